import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { Event, Lock } from '@conc/sync';
import { StateError, Thread, WorkerCrashedError, activeCount, currentThread, enumerate, mainThread } from '@conc/process';
import { findNode24, runScript, shipped } from './run-script.js';

describe('Thread: the tutorial programs', () => {
  it('sayhi on two threads with a function target prints both greetings', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      const sayhi = (num) => console.log('hi from thread', num);
      const threads = [1, 2].map((num) => new Thread({ target: sayhi, args: [num] }));
      for (const t of threads) t.start();
      for (const t of threads) await t.join();
      console.log('done');
    `);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines.slice(0, 2).sort()).toEqual(['hi from thread 1', 'hi from thread 2']);
    expect(lines[2]).toBe('done');
  });

  it('sayhi subclassed: run() sees the fields set in the constructor and the name', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      class MyThread extends Thread {
        constructor(num) { super(); this.num = num; }
        run() { console.log('hi from', this.name, 'number', this.num); }
      }
      const threads = [new MyThread(1), new MyThread(2)];
      for (const t of threads) t.start();
      for (const t of threads) t.joinSync();
      console.log('done');
    `);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n').slice(0, 2).sort()).toEqual(['hi from Thread-1 number 1', 'hi from Thread-2 number 2']);
    expect(stdout.trim().split('\n')[2]).toBe('done');
  });

  it('join and daemon: a daemon joined with a 2 s timeout is still alive, and does not keep the program alive', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      const d = new Thread({ name: 'daemon', daemon: true, target: () => {
        console.log('daemon starting');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // sleeps for ever
      } });
      const t = new Thread({ name: 'non-daemon', target: () => { console.log('non-daemon starting'); console.log('non-daemon exiting'); } });
      d.start();
      t.start();
      console.log('d.join(2000):', await d.join(2000));
      console.log('d.isAlive():', d.isAlive());
      console.log('t.join():', await t.join());
    `);
    expect(code).toBe(0);
    expect(stdout).toContain('daemon starting');
    expect(stdout).toContain('non-daemon exiting');
    expect(stdout).toContain('d.join(2000): false\nd.isAlive(): true\nt.join(): true\n');
  });

  it('a non-daemon thread keeps the program alive after the main module ends', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      new Thread({ target: async () => { await new Promise((r) => setTimeout(r, 300)); console.log('late but printed'); } }).start();
      console.log('main done');
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('main done\nlate but printed\n');
  });

  it('a thread ends when its target returns, even with timers left behind; its own non-daemon threads outlive it', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      const t = new Thread({ target: () => { setInterval(() => {}, 1000); } });
      t.start();
      console.log('left a timer, joined:', await t.join(30_000));
      const outer = new Thread({ target: async () => {
        const { Thread } = await import('@conc/process');
        new Thread({ target: () => new Promise((r) => setTimeout(() => { console.log('inner done'); r(); }, 500)) }).start();
      } });
      outer.start();
      console.log('outer joined:', await outer.join(30_000));
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('left a timer, joined: true\nouter joined: true\ninner done\n');
  });

  it('output of threads reaches stdout in order, line by line, also while the parent is blocked in joinSync', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      const t = new Thread({ target: () => { for (let i = 0; i < 200; i++) console.log('line ' + i + ' ' + 'x'.repeat(100)); } });
      t.start();
      t.joinSync();
      console.log('after join');
    `);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(201);
    for (let i = 0; i < 200; i++) expect(lines[i]).toBe('line ' + i + ' ' + 'x'.repeat(100));
    expect(lines[200]).toBe('after join');
  });

  it('an uncaught error is printed as Python does, kept in exception, and the program goes on', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Thread } from '@conc/process';
      const t = new Thread({ name: 'Worker-A', target: () => { throw new TypeError('bad value'); } });
      t.start();
      await t.join();
      console.log(t.exception instanceof TypeError, t.exception.message);
    `);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^Exception in thread Worker-A:\nTypeError: bad value\n {4}at /);
    expect(stdout).toBe('true bad value\n');
  });
});

describe('Thread', () => {
  it('runs a function target with args and reports true from join', async () => {
    const buffer = new SharedArrayBuffer(8);
    const t = new Thread({ target: (sab: SharedArrayBuffer, a: number, b: number) => Atomics.store(new Int32Array(sab), 0, a * b), args: [buffer, 6, 7] });
    expect(t.ident).toBeNull();
    expect(t.isAlive()).toBe(false);
    t.start();
    expect(t.isAlive()).toBe(true);
    expect(typeof t.ident).toBe('number');
    expect(enumerate()).toContain(t);
    expect(await t.join()).toBe(true);
    expect(t.isAlive()).toBe(false);
    expect(t.exception).toBeUndefined();
    expect(new Int32Array(buffer)[0]).toBe(42);
    expect(enumerate()).not.toContain(t);
  });

  it('join(timeout) is false while the thread runs, true after', async () => {
    const gate = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({ target: (g: Int32Array) => { Atomics.wait(g, 0, 0); }, args: [gate] });
    t.start();
    expect(await t.join(50)).toBe(false);
    expect(t.joinSync(50)).toBe(false);
    expect(await t.join(0)).toBe(false);
    expect(t.isAlive()).toBe(true);
    Atomics.store(gate, 0, 1);
    Atomics.notify(gate, 0);
    expect(await t.join(30_000)).toBe(true);
  });

  it('joinSync blocks until the end and then exposes the exception', () => {
    const t = new Thread({ target: () => { throw new RangeError('out of range'); } });
    t.start();
    expect(t.joinSync()).toBe(true);
    expect(t.exception).toBeInstanceOf(RangeError);
    expect(t.exception?.message).toBe('out of range');
    expect(t.isAlive()).toBe(false);
  });

  it('an async target lives until its promise settles; a rejection is the exception', async () => {
    const t = new Thread({ target: async () => { await new Promise((r) => setTimeout(r, 100)); throw new Error('late failure'); } });
    t.start();
    expect(await t.join(20)).toBe(false);
    expect(await t.join()).toBe(true);
    expect(t.exception?.message).toBe('late failure');
  });

  it('a second start() is a StateError, as is join before start', async () => {
    const t = new Thread({ target: () => {} });
    await expect(t.join()).rejects.toBeInstanceOf(StateError);
    expect(() => t.joinSync()).toThrow(StateError);
    t.start();
    expect(() => t.start()).toThrow(StateError);
    expect(await t.join()).toBe(true);
    expect(() => t.start()).toThrow(/only be started once/);
  });

  it('module targets: a named export and the default', async () => {
    const { stdout, code } = await runScript(`
      import { Thread } from '@conc/process';
      const a = new Thread({ target: { module: new URL('./test/fixtures/tasks.mjs', 'file://' + process.cwd() + '/'), export: 'add' }, args: [2, 3] });
      a.start(); await a.join();
      const b = new Thread({ target: { module: './test/fixtures/tasks.mjs' }, args: ['you'] });
      b.start(); await b.join();
      const c = new Thread({ target: { module: './test/fixtures/tasks.mjs', export: 'fail' } });
      c.start(); await c.join();
      console.log(c.exception.name, c.exception.message);
      const d = new Thread({ target: { module: './test/fixtures/tasks.mjs', export: 'nothing' } });
      d.start(); await d.join();
      console.log(d.exception.name);
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('add 5\nhello from module, you\nRangeError module target failed\nTypeError\n');
  });

  it('TypeScript module targets work when the parent runs under tsx', async () => {
    const source = `
      import { Thread } from '@conc/process';
      const t = new Thread({ target: { module: './test/fixtures/tasks.ts', export: 'typed' }, args: [21] });
      t.start(); await t.join();
      if (t.exception) throw t.exception;
    `;
    const { stdout, stderr, code } = await runScript(source, { node: ['--import', 'tsx'] });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('typed 42\n');
  });

  it('TypeScript module targets of threads and processes work under Node 24 type stripping', async () => {
    const source = `
      import { Thread } from '@conc/process';
      const t = new Thread({ target: { module: './test/fixtures/tasks.ts', export: 'typed' }, args: [4] });
      t.start(); await t.join();
      if (t.exception) throw t.exception;
      const { Process } = await import('@conc/process');
      const p = new Process({ target: { module: './test/fixtures/tasks.ts', export: 'typed' }, args: [8] });
      p.start(); await p.join();
      if (p.exitCode !== 0) throw new Error('process exit ' + p.exitCode);
    `;
    const node24 = await findNode24();
    const { stdout, code } = await runScript(source, { node: [node24, '--experimental-strip-types', '--no-warnings'] });
    expect(code).toBe(0);
    expect(stdout).toBe('typed 8\ntyped 16\n');
  });

  it('the thread entry imports the target loader where require() of ES modules is off', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Thread } from '@conc/process';
      const out = new Int32Array(new SharedArrayBuffer(4));
      const t = new Thread({ target: (o, v) => { Atomics.store(o, 0, v); }, args: [out, 7] });
      t.start();
      console.log(await t.join(30_000), out[0], String(t.exception));
    `, { node: ['--no-experimental-require-module'] });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('true 7 undefined');
  });

  it('a target calling process.exit() ends only its thread', async () => {
    const t = new Thread({ target: () => { process.exit(3); } });
    t.start();
    expect(await t.join()).toBe(true);
    expect(t.isAlive()).toBe(false);
    const after = new Thread({ target: () => 1 });
    after.start();
    expect(await after.join()).toBe(true);
  });

  it('a thread over its resource limits ends with a WorkerCrashedError, the parent goes on', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Thread } from '@conc/process';
      const t = new Thread({ name: 'Hog', resourceLimits: { maxOldGenerationSizeMb: 16 }, target: () => {
        const hoard = [];
        for (;;) hoard.push(new Array(100_000).fill(Math.random()));
      } });
      t.start();
      console.log(await t.join());
      console.log(t.exception.name, t.exception.cause.code);
    `);
    expect(code).toBe(0);
    expect(stdout).toBe('true\nWorkerCrashedError ERR_WORKER_OUT_OF_MEMORY\n');
    expect(stderr).toContain('Exception in thread Hog:');
  });

  it('names: Thread-N by default, settable, and currentThread() inside knows its own', async () => {
    const shared = new Int32Array(new SharedArrayBuffer(64));
    const t = new Thread({
      name: 'reader',
      target: shipped(`async (out) => {
        const { currentThread } = await import('@conc/process');
        const name = currentThread().name;
        for (let i = 0; i < name.length; i++) out[i + 1] = name.charCodeAt(i);
        out[0] = name.length;
        out[15] = currentThread().ident ?? -1;
      }`),
      args: [shared],
    });
    t.start();
    await t.join();
    expect(t.exception).toBeUndefined();
    expect(String.fromCharCode(...shared.slice(1, 1 + shared[0]!))).toBe('reader');
    expect(shared[15]).toBe(t.ident);
    const unnamed = new Thread();
    expect(unnamed.name).toMatch(/^Thread-\d+$/);
    unnamed.name = 'renamed';
    expect(unnamed.name).toBe('renamed');
    expect(currentThread().name).toBe('MainThread');
    expect(mainThread()).toBe(currentThread());
    expect(activeCount()).toBeGreaterThanOrEqual(1);
  });

  it('daemon can be set before start, not after; it is inherited from the creating thread', async () => {
    const t = new Thread({ target: () => {} });
    expect(t.daemon).toBe(false);
    t.daemon = true;
    expect(t.daemon).toBe(true);
    t.start();
    expect(() => { t.daemon = false; }).toThrow(StateError);
    await t.join();
    const flag = new Int32Array(new SharedArrayBuffer(4));
    const parent = new Thread({
      daemon: true,
      target: shipped(`async (out) => {
        const { Thread } = await import('@conc/process');
        out[0] = new Thread().daemon ? 1 : 2;
      }`),
      args: [flag],
    });
    parent.start();
    await parent.join();
    expect(flag[0]).toBe(1);
  });

  it('rejects bad input at construction', () => {
    expect(() => new Thread({ target: 42 as never })).toThrow(TypeError);
    expect(() => new Thread({ target: Math.max })).toThrow(/built-in/);
    expect(() => new Thread({ target: (() => {}).bind(null) })).toThrow(TypeError);
    expect(() => new Thread({ target: () => {}, args: 'abc' as never })).toThrow(/args must be an array/);
    expect(() => new Thread({ name: 5 as never })).toThrow(/name must be a string/);
    expect(() => new Thread({ daemon: 'yes' as never })).toThrow(TypeError);
    expect(() => new Thread('x' as never)).toThrow(TypeError);
    const t = new Thread({ target: () => {} });
    expect(() => { t.name = 1 as never; }).toThrow(TypeError);
    expect(() => t.joinSync(-1)).toThrow(RangeError);
    return expect(t.join(Number.NaN)).rejects.toBeInstanceOf(RangeError);
  });

  it('args that cannot cross are a DataCloneError naming the path, before anything starts', () => {
    const t = new Thread({ target: () => {}, args: [1, { handler: () => {} }] });
    expect(() => t.start()).toThrow(/args\[1\]\.handler/);
    expect(t.isAlive()).toBe(false);
    expect(t.ident).toBeNull();
  });

  it('forwards trace events of the thread to the parent only while somebody subscribes', async () => {
    const events: { type: string; kind: string; thread: number }[] = [];
    const listener = (event: unknown): void => void events.push(event as never);
    subscribe('@conc/trace', listener);
    try {
      const t = new Thread({
        target: shipped(`async () => {
          const { trace } = await import('@conc/core/internal');
          trace('ping', 'Test', 1);
        }`),
      });
      t.start();
      await t.join();
      expect(events.filter((e) => e.kind === 'Thread').map((e) => e.type)).toEqual(['start', 'exit']);
      // Forwarded events travel on the worker's port: they may land just after join.
      for (let i = 0; i < 100 && !events.some((e) => e.type === 'ping'); i++) await new Promise((r) => setTimeout(r, 50));
      const ping = events.find((e) => e.type === 'ping');
      expect(ping?.thread).toBe(t.ident);
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    events.length = 0;
    const quiet = new Thread({ target: shipped(`async () => (await import('@conc/core/internal')).trace('ping', 'Test', 2)`) });
    quiet.start();
    await quiet.join();
    expect(events).toEqual([]);
  });

  it('a trace event at the target\'s first instruction is forwarded: the worker subscribes before running it', async () => {
    const events: { type: string; kind: string; id: number }[] = [];
    const listener = (event: unknown): void => void events.push(event as never);
    subscribe('@conc/trace', listener);
    try {
      // Published straight on the channel, without loading @conc/core in the target first.
      const t = new Thread({
        target: shipped(`() => process.getBuiltinModule('node:diagnostics_channel').channel('@conc/trace').publish({ type: 'first', kind: 'Test', id: 11, thread: 0, time: 0 })`),
      });
      t.start();
      await t.join();
      expect(t.exception).toBeUndefined();
      for (let i = 0; i < 100 && !events.some((e) => e.type === 'first'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.filter((e) => e.type === 'first').map((e) => e.id)).toEqual([11]);
    } finally {
      unsubscribe('@conc/trace', listener);
    }
  });

  it('@conc objects in args and in subclass fields are the same live objects in the thread', async () => {
    const lock = new Lock();
    const done = new Event();
    const seen = new Int32Array(new SharedArrayBuffer(8));
    await lock.acquire();
    const t = new Thread({
      target: async (opts: { lock: Lock; done: Event; seen: Int32Array }) => {
        Atomics.store(opts.seen, 0, (await opts.lock.acquire(0)) ? 1 : 2); // held by the parent: 2
        await opts.done.wait();
        Atomics.store(opts.seen, 1, (await opts.lock.acquire(10_000)) ? 1 : 2); // released meanwhile: 1
        opts.lock.release();
      },
      args: [{ lock, done, seen }],
    });
    t.start();
    while (Atomics.load(seen, 0) === 0) await new Promise((r) => setTimeout(r, 5));
    lock.release();
    done.set();
    expect(await t.join(30_000)).toBe(true);
    expect(t.exception).toBeUndefined();
    expect([...seen]).toEqual([2, 1]);

    class Holder extends Thread {
      gate: Event;
      constructor(gate: Event) {
        super();
        this.gate = gate;
      }
      override run(): void {
        (this as unknown as { gate: { set(): void } }).gate.set();
      }
    }
    const gate = new Event();
    const holder = new Holder(gate);
    holder.start();
    expect(await gate.wait(30_000)).toBe(true);
    expect(await holder.join(30_000)).toBe(true);
    expect(holder.exception).toBeUndefined();
  });

  it('args without @conc objects arrive as given, also an object that merely has the descriptor mark', async () => {
    const out = new Int32Array(new SharedArrayBuffer(4));
    const t = new Thread({
      target: (o: Int32Array, m: Map<string, number[]>, s: Set<string>, nested: { a: { b: string } }, marked: Record<string, unknown>) => {
        const ok = m.get('x')?.[1] === 2 && s.has('y') && nested.a.b === 'c' && marked['__conc_shared__'] === 'no:Such' && marked['n'] === 1;
        Atomics.store(o, 0, ok ? 1 : 2);
      },
      args: [out, new Map([['x', [1, 2]]]), new Set(['y']), { a: { b: 'c' } }, { __conc_shared__: 'no:Such', n: 1 }],
    });
    t.start();
    expect(await t.join(30_000)).toBe(true);
    expect(t.exception).toBeUndefined();
    expect(out[0]).toBe(1);
  });

  it('exact count: 8 threads each add 1000 times to shared memory with Atomics', async () => {
    const counter = new Int32Array(new SharedArrayBuffer(4));
    const threads = Array.from({ length: 8 }, () => new Thread({ target: (c: Int32Array) => { for (let i = 0; i < 1000; i++) Atomics.add(c, 0, 1); }, args: [counter] }));
    for (const t of threads) t.start();
    for (const t of threads) expect(await t.join()).toBe(true);
    expect(counter[0]).toBe(8000);
    expect(threads.every((t) => t.exception === undefined)).toBe(true);
  });
});

describe('Thread ident', () => {
  it('is distinct for each thread', async () => {
    const threads = [new Thread({ target: () => {} }), new Thread({ target: () => {} })];
    for (const t of threads) t.start();
    await Promise.all(threads.map((t) => t.join()));
    expect(threads[0]!.ident).not.toBe(threads[1]!.ident);
    expect(() => new WorkerCrashedError('x')).not.toThrow();
  });
});
