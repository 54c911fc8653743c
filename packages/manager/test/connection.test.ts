import { expect, test } from 'vitest';
import { Manager } from '@conc/manager';

test('frames split over many reads, and many frames in one read, arrive intact on the socket path', async () => {
  // A process server: every frame of this client goes on the socket, read into one buffer.
  await using manager = await Manager.start({ kind: 'process' });
  const d = await manager.dict<unknown, string>();
  const big = Array.from({ length: 300_000 }, (_, i) => String.fromCharCode(33 + ((i * 7) % 90))).join('');
  const bytes = Uint8Array.from({ length: 3_000_000 }, (_, i) => (i * 31) & 0xff);
  await Promise.all([d.set('big', big), d.set('bytes', bytes), ...Array.from({ length: 500 }, (_, i) => d.set(`k${i}`, i))]);
  const [bigBack, bytesBack, ...small] = await Promise.all([d.get('big'), d.get('bytes'), ...Array.from({ length: 500 }, (_, i) => d.get(`k${i}`))]);
  expect(bigBack).toBe(big);
  expect(Buffer.from(bytesBack as Uint8Array).equals(Buffer.from(bytes))).toBe(true);
  expect(small).toEqual(Array.from({ length: 500 }, (_, i) => i));
});
