import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { deadlineAfter, holderOf, isGone, lockAsync, lockSync, markGone, threadIdentity, tryLock, unlock, watchWorker, workerIdentity } from '@conc/core/internal';

/** A worker that takes the mutex in `words[0]` and then spins or exits, holding it. */
async function holder(words: Int32Array, then: 'spin' | 'exit', watch = true): Promise<{ worker: Worker; identity: number; exited: Promise<number> }> {
  const worker = new Worker(new URL('./fixtures/mutex-holder.mjs', import.meta.url), { workerData: { words, then } });
  if (watch) watchWorker(worker);
  // Read now: a worker's threadId is -1 once it has exited.
  const identity = workerIdentity(worker);
  const exited = new Promise<number>((resolve) => worker.once('exit', resolve));
  while (Atomics.load(words, 1) === 0) await new Promise((resolve) => setTimeout(resolve, 2));
  return { worker, identity, exited };
}

describe('the robust mutex', () => {
  it('the word holds the holder identity; uncontended lock and unlock leave it free', () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    expect(tryLock(words, 0)).toBe(true);
    expect(holderOf(words, 0)).toBe(threadIdentity());
    expect(tryLock(words, 0)).toBe(false);
    expect(unlock(words, 0)).toBe(true);
    expect(Atomics.load(words, 0)).toBe(0);
    expect(unlock(words, 0)).toBe(false);
  });

  it('a holder terminated holding it: a sync waiter takes it over once the parent marked it gone', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const { worker, identity } = await holder(words, 'spin');
    expect(holderOf(words, 0)).toBe(identity);
    expect(isGone(identity)).toBe(false);
    await worker.terminate();
    expect(isGone(identity)).toBe(true);
    const taken: number[] = [];
    expect(lockSync(words, 0, deadlineAfter(5000), undefined, (h) => taken.push(h))).toBe(true);
    expect(taken).toEqual([identity]);
    expect(holderOf(words, 0)).toBe(threadIdentity());
    expect(unlock(words, 0)).toBe(true);
  });

  it('an async waiter already sleeping takes it over within a slice of the holder ending (process.exit)', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const { identity, exited } = await holder(words, 'exit');
    const taken: number[] = [];
    const got = lockAsync(words, 0, deadlineAfter(5000), undefined, undefined, (h) => taken.push(h));
    await exited;
    const begin = performance.now();
    expect(await got).toBe(true);
    expect(performance.now() - begin).toBeLessThan(1000);
    expect(taken).toEqual([identity]);
    unlock(words, 0);
  });

  it('a holder nobody watched is never taken over: the waiter times out on time', async () => {
    const words = new Int32Array(new SharedArrayBuffer(8));
    const { worker } = await holder(words, 'spin', false);
    await worker.terminate();
    const begin = performance.now();
    expect(lockSync(words, 0, deadlineAfter(250))).toBe(false);
    expect(performance.now() - begin).toBeLessThan(1250);
    await expect(lockAsync(words, 0, deadlineAfter(250), AbortSignal.timeout(5000))).resolves.toBe(false);
  });

  it('identities of other processes (the broker acts for them) are never gone here', () => {
    const foreign = (2047 << 20) | 5;
    markGone(foreign);
    expect(isGone(foreign)).toBe(false);
    expect(isGone(threadIdentity())).toBe(false);
  });
});
