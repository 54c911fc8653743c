import { Manager } from '@conc/manager';
const m = await Manager.start();
const d = await m.dict({ a: 1 });
for (let r = 0; r < 3; r++) {
  let t0 = performance.now();
  for (let i = 0; i < 5000; i++) await d.set('k', i);
  console.log('seq us/op', ((performance.now()-t0)/5000*1000).toFixed(1));
  t0 = performance.now();
  await Promise.all(Array.from({length: 50000}, (_, i) => d.set('k', i)));
  console.log('pipelined us/op', ((performance.now()-t0)/50000*1000).toFixed(1));
}
await m.shutdown();
