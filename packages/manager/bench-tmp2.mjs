import { Manager } from '@conc/manager';
const m = await Manager.start();
const d = await m.dict({ a: 1 });
for (let r = 0; r < 4; r++) {
  const c0 = process.cpuUsage(); let t0 = performance.now();
  await Promise.all(Array.from({length: 50000}, (_, i) => d.set('k', i)));
  const wall = performance.now()-t0; const c = process.cpuUsage(c0);
  console.log('pipelined us/op', (wall/50000*1000).toFixed(1), 'cpu ms', ((c.user+c.system)/1000).toFixed(0), 'wall ms', wall.toFixed(0));
}
for (let r = 0; r < 2; r++) {
  const c0 = process.cpuUsage(); let t0 = performance.now();
  for (let i = 0; i < 5000; i++) await d.set('k', i);
  const wall = performance.now()-t0; const c = process.cpuUsage(c0);
  console.log('seq us/op', (wall/5000*1000).toFixed(1), 'cpu ms', ((c.user+c.system)/1000).toFixed(0), 'wall ms', wall.toFixed(0));
}
await m.shutdown();
