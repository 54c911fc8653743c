import { describe, expect, it } from 'vitest';
import { Lock, RLock, Event, Semaphore, Value } from '@conc/sync';
import { Process, StateError, activeChildren, currentProcess, parentProcess } from '@conc/process';
import { runScript, shipped } from './run-script.js';

describe('Process: the tutorial programs', () => {
  it('prints the module name, the parent pid and the pid, from the parent and from a child', async () => {
    const { stdout, code } = await runScript(`
      import { Process } from '@conc/process';
      function info(title) {
        return import('@conc/process').then(({ currentProcess, parentProcess }) => {
          console.log(title);
          console.log('module name:', currentProcess().name);
          console.log('parent process:', parentProcess()?.pid ?? process.ppid);
          console.log('process id:', process.pid);
        });
      }
      await info('main line');
      const p = new Process({ target: (name) => import('@conc/process').then(({ currentProcess, parentProcess }) => {
        console.log('function f');
        console.log('module name:', currentProcess().name);
        console.log('parent process:', parentProcess().pid);
        console.log('process id:', process.pid);
        console.log('hello', name);
      }), args: ['bob'] });
      p.start();
      await p.join();
      console.log('child pid was', p.pid, 'exit', p.exitCode);
    `);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    const parentPid = Number(lines[3]!.split(': ')[1]);
    expect(lines.slice(0, 2)).toEqual(['main line', 'module name: MainProcess']);
    expect(lines.slice(4, 7)).toEqual(['function f', 'module name: Process-1', `parent process: ${parentPid}`]);
    const childPid = Number(lines[7]!.split(': ')[1]);
    expect(childPid).not.toBe(parentPid);
    expect(lines[8]).toBe('hello bob');
    expect(lines[9]).toBe(`child pid was ${childPid} exit 0`);
  });

  it('ten processes print under one shared Lock, never interleaved', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Process } from '@conc/process';
      import { Lock } from '@conc/sync';
      const lock = new Lock();
      const f = async (l, i) => {
        await l.acquire();
        try {
          // Three writes that would interleave without the lock.
          for (let part = 0; part < 3; part++) {
            process.stdout.write('hello world ' + i + ' part ' + part + '\\n');
            await new Promise((r) => setTimeout(r, 5));
          }
        } finally {
          l.release();
        }
      };
      const ps = Array.from({ length: 10 }, (_, i) => new Process({ target: f, args: [lock, i] }));
      for (const p of ps) p.start();
      for (const p of ps) await p.join();
      console.log('exit codes', ps.map((p) => p.exitCode).join(','));
      console.log('locked after', lock.locked());
    `, { timeout: 90_000 });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(32);
    const seen = new Set<string>();
    for (let block = 0; block < 10; block++) {
      const first = /^hello world (\d) part 0$/.exec(lines[block * 3]!);
      expect(first).not.toBeNull();
      const i = first![1]!;
      expect(lines[block * 3 + 1]).toBe(`hello world ${i} part 1`);
      expect(lines[block * 3 + 2]).toBe(`hello world ${i} part 2`);
      seen.add(i);
    }
    expect(seen.size).toBe(10);
    expect(lines[30]).toBe('exit codes 0,0,0,0,0,0,0,0,0,0');
    expect(lines[31]).toBe('locked after false');
  });
});

describe('Process', () => {
  it('the broker starts with the first @conc object passed: plain children first, then one sharing a Lock', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Process } from '@conc/process';
      import { Event, Lock } from '@conc/sync';
      const out = [];
      const plain = new Process({ target: (m, s) => { if (m.get('a') !== 1 || !s.has('b')) process.exit(5); }, args: [new Map([['a', 1]]), new Set(['b'])] });
      plain.start();
      await plain.join();
      out.push(plain.exitCode);
      const lock = new Lock();
      const asked = new Event();
      await lock.acquire();
      // Released only once the child has found it held (a child may take longer than any fixed
      // delay to start on a busy machine).
      const shared = new Process({ target: async (l, a) => { if (await l.acquire(0)) process.exit(6); a.set(); await l.acquire(); l.release(); }, args: [lock, asked] });
      shared.start();
      await asked.wait(30_000);
      lock.release();
      await shared.join();
      out.push(shared.exitCode, lock.locked());
      const plainAgain = new Process({ target: () => {} });
      plainAgain.start();
      await plainAgain.join();
      out.push(plainAgain.exitCode);
      console.log(out.join(' '));
    `, { timeout: 60_000 });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim()).toBe('0 0 false 0');
  });

  it('the child imports the target loader where require() of ES modules is off', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Process } from '@conc/process';
      const p = new Process({ target: (a, b) => { console.log('sum', a + b); }, args: [2, 3] });
      p.start();
      await p.join();
      console.log('exit', p.exitCode);
    `, { node: ['--no-experimental-require-module'], timeout: 60_000 });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toEqual(['sum 5', 'exit 0']);
  });

  it('runs a target with args; pid, ident, exitCode, isAlive, activeChildren', async () => {
    const p = new Process({ target: (a: number, b: number) => { if (a + b !== 5) throw new Error('bad args'); }, args: [2, 3] });
    expect(p.pid).toBeNull();
    expect(p.exitCode).toBeNull();
    p.start();
    expect(p.pid).toBeGreaterThan(0);
    expect(p.ident).toBe(p.pid);
    expect(p.isAlive()).toBe(true);
    expect(activeChildren()).toContain(p);
    expect(await p.join()).toBe(true);
    expect(p.exitCode).toBe(0);
    expect(p.exception).toBeUndefined();
    expect(p.isAlive()).toBe(false);
    expect(activeChildren()).not.toContain(p);
    expect(currentProcess().name).toBe('MainProcess');
    expect(currentProcess().pid).toBe(process.pid);
    expect(parentProcess()).toBeNull();
  });

  it('an uncaught error is printed as Python does, kept, and gives exitCode 1', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Process } from '@conc/process';
      const p = new Process({ name: 'Failing', target: () => { throw new RangeError('out of range'); } });
      p.start();
      p.joinSync();
      console.log(p.exitCode, p.exception instanceof RangeError, p.exception.message);
    `);
    expect(code).toBe(0);
    expect(stderr).toMatch(/^Process Failing:\nRangeError: out of range\n {4}at /);
    expect(stdout).toBe('1 true out of range\n');
  });

  it('join(timeout) is false while running; terminate() gives -15, kill() -9', async () => {
    const p = new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) });
    p.start();
    expect(await p.join(100)).toBe(false);
    expect(p.joinSync(50)).toBe(false);
    expect(p.exitCode).toBeNull();
    p.terminate();
    expect(await p.join(30_000)).toBe(true);
    expect(p.exitCode).toBe(-15);
    const q = new Process({ target: () => new Promise(() => setInterval(() => {}, 1000)) });
    q.start();
    q.kill();
    expect(q.joinSync(30_000)).toBe(true);
    expect(q.exitCode).toBe(-9);
    q.terminate(); // harmless once ended
  });

  it('a process ends when its target returns, even with timers left behind', async () => {
    const p = new Process({ target: () => { setInterval(() => {}, 1000); } });
    p.start();
    expect(await p.join(30_000)).toBe(true);
    expect(p.exitCode).toBe(0);
  });

  it('a child Node refuses to run (a bad option) gives its exit code, nothing hangs', async () => {
    const p = new Process({ execArgv: ['--no-such-option-here'], target: () => {} });
    p.start();
    expect(await p.join(30_000)).toBe(true);
    expect(p.exitCode).toBe(9);
  });

  it('a target calling process.exit(7) gives exitCode 7', async () => {
    const p = new Process({ target: () => process.exit(7) });
    p.start();
    expect(await p.join()).toBe(true);
    expect(p.exitCode).toBe(7);
  });

  it('a child over its memory limit ends with a signal or error status, the parent goes on', async () => {
    const p = new Process({
      execArgv: ['--max-old-space-size=24'],
      target: () => {
        const hoard: number[][] = [];
        for (;;) hoard.push(new Array(100_000).fill(Math.random()));
      },
    });
    p.start();
    expect(await p.join()).toBe(true);
    expect(p.exitCode).not.toBe(0);
    expect(p.exitCode).not.toBeNull();
  });

  it('a second start() is a StateError; join before start and use after close() too', async () => {
    const p = new Process({ target: () => {} });
    await expect(p.join()).rejects.toBeInstanceOf(StateError);
    p.start();
    expect(() => p.start()).toThrow(StateError);
    expect(() => p.close()).toThrow(StateError);
    await p.join();
    p.close();
    expect(() => p.start()).toThrow(StateError);
    await expect(p.join()).rejects.toBeInstanceOf(StateError);
  });

  it('subclassing with run(): fields of the instance are this', async () => {
    const flag = new Value('i32', 0);
    class Worker extends Process {
      value: number;
      out: Value;
      constructor(value: number, out: Value) {
        super();
        this.value = value;
        this.out = out;
      }
      override run(): void {
        this.out.value = this.value * 2;
      }
    }
    const w = new Worker(21, flag);
    w.start();
    await w.join();
    expect(w.exception).toBeUndefined();
    expect(w.exitCode).toBe(0);
    expect(flag.value).toBe(42);
  });

  it('rejects bad input at construction', () => {
    expect(() => new Process({ target: 'f' as never })).toThrow(TypeError);
    expect(() => new Process({ target: () => {}, args: 1 as never })).toThrow(/args must be an array/);
    expect(() => new Process({ name: null as never })).toThrow(/name must be a string/);
    expect(() => new Process({ execArgv: 'x' as never })).toThrow(TypeError);
    expect(() => new Process({ target: () => {}, args: [Symbol('s')] }).start()).toThrow(/args\[0\]/);
  });
});

describe('Process: @conc objects through the broker', () => {
  it('a Lock held by the parent blocks the child until released; the child sees the same lock', async () => {
    const lock = new Lock();
    const ready = new Event();
    const done = new Event();
    await lock.acquire();
    const p = new Process({
      target: async (l: Lock, r: Event, d: Event) => {
        const seen = l.locked();
        if (seen !== true) throw new Error(`child should see the lock held, got ${String(seen)}`);
        if ((await l.acquire({ timeout: 50 })) !== false) throw new Error('acquire should time out');
        r.set();
        await l.acquire();
        d.set();
        l.release();
      },
      args: [lock, ready, done],
    });
    p.start();
    expect(await ready.wait(30_000)).toBe(true);
    expect(await done.wait(200)).toBe(false);
    lock.release();
    expect(await done.wait(30_000)).toBe(true);
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(lock.locked()).toBe(false);
  });

  it('the *Sync forms work in the child, and the broker serves while the parent is blocked in acquireSync', () => {
    const lock = new Lock();
    const ready = new Event();
    const p = new Process({
      target: (l: Lock, r: Event) => {
        if (!l.acquireSync()) throw new Error('acquireSync failed');
        r.set();
        const start = Date.now();
        while (Date.now() - start < 200) { /* hold it a while */ }
        l.release();
      },
      args: [lock, ready],
    });
    p.start();
    expect(ready.waitSync(30_000)).toBe(true);
    // The parent's main thread blocks here; the child's release reaches the lock through the
    // broker's own thread.
    expect(lock.acquireSync(30_000)).toBe(true);
    lock.release();
    expect(p.joinSync(30_000)).toBe(true);
    expect(p.exitCode).toBe(0);
  });

  it('a Lock held by a process that died is released by the broker', async () => {
    const lock = new Lock();
    const held = new Event();
    const p = new Process({
      target: shipped(`async (l, h) => { await l.acquire(); h.set(); await new Promise(() => setInterval(() => {}, 1000)); }`),
      args: [lock, held],
    });
    p.start();
    expect(await held.wait(30_000)).toBe(true);
    expect(lock.locked()).toBe(true);
    p.kill();
    await p.join();
    expect(p.exitCode).toBe(-9);
    expect(await lock.acquire(30_000)).toBe(true);
    lock.release();
  });

  it('a child that throws while holding a Lock, or dies while waiting for it, leaves it free', async () => {
    const lock = new Lock();
    const thrower = new Process({ target: async (l: Lock) => { await l.acquire(); throw new Error('failed while holding'); }, args: [lock] });
    thrower.start();
    await thrower.join();
    expect(thrower.exitCode).toBe(1);
    expect(await lock.acquire(30_000)).toBe(true);
    // Now the parent holds it; a child blocks in acquire and is killed while waiting.
    const waiting = new Event();
    const waiter = new Process({ target: async (l: Lock, w: Event) => { w.set(); await l.acquire(); }, args: [lock, waiting] });
    waiter.start();
    expect(await waiting.wait(30_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    waiter.kill();
    await waiter.join();
    lock.release();
    // The broker's pending acquire for the dead child may complete now: it is released at once.
    expect(await lock.acquire(30_000)).toBe(true);
    lock.release();
    await new Promise((r) => setTimeout(r, 200));
    expect(lock.locked()).toBe(false);
  });

  it('stand-ins cross on to a Thread inside the child: 2 x 20 increments under one Lock, exact', async () => {
    const lock = new Lock();
    const v = new Value('i32', 0);
    const p = new Process({
      target: shipped(`async (l, val) => {
        const { Thread } = await import('@conc/process');
        const t = new Thread({ target: (l2, v2) => { for (let i = 0; i < 20; i++) { l2.acquireSync(); v2.value = v2.value + 1; l2.release(); } }, args: [l, val] });
        t.start();
        for (let i = 0; i < 20; i++) { await l.acquire(); val.value = val.value + 1; l.release(); }
        await t.join();
        if (t.exception) throw t.exception;
      }`),
      args: [lock, v],
    });
    p.start();
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(p.exitCode).toBe(0);
    expect(v.value).toBe(40);
    expect(lock.locked()).toBe(false);
  });

  it('stand-ins cross on to a grandchild Process (served by the broker of the child)', async () => {
    const lock = new Lock();
    const reached = new Event();
    const p = new Process({
      target: shipped(`async (l, e) => {
        const { Process } = await import('@conc/process');
        const g = new Process({ target: (l2, e2) => { l2.acquireSync(); e2.set(); l2.release(); }, args: [l, e] });
        g.start();
        await g.join();
        if (g.exitCode !== 0) throw new Error('grandchild exit ' + g.exitCode);
      }`),
      args: [lock, reached],
    });
    p.start();
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(p.exitCode).toBe(0);
    expect(reached.isSet()).toBe(true);
    expect(lock.locked()).toBe(false);
  });

  it('RLock ownership holds per child: re-entrant in the child, a StateError for another', async () => {
    const rlock = new RLock();
    const p = new Process({
      target: async (r: RLock) => {
        await r.acquire();
        await r.acquire();
        r.release();
        r.release();
      },
      args: [rlock],
    });
    p.start();
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(p.exitCode).toBe(0);
    await rlock.acquire();
    const q = new Process({ target: (r: RLock) => r.release(), args: [rlock] });
    q.start();
    await q.join();
    expect(q.exitCode).toBe(1);
    expect(q.exception).toBeInstanceOf(StateError);
    rlock.release();
  });

  it('exact count: 4 processes increment a shared Value 50 times each under its lock', async () => {
    const counter = new Value('i32', 0);
    const target = async (v: Value) => {
      for (let i = 0; i < 50; i++) {
        const lock = v.getLock();
        await lock.acquire();
        v.value = (v.value as number) + 1;
        lock.release();
      }
    };
    const ps = Array.from({ length: 4 }, () => new Process({ target, args: [counter] }));
    for (const p of ps) p.start();
    for (const p of ps) await p.join();
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0, 0, 0]);
    expect(counter.value).toBe(200);
  });

  it('exact count on the sync path: 2 processes x 150 acquireSync/increment/release, with the parent contending', async () => {
    const lock = new Lock();
    const counter = new Value('i32', 0, { lock: false });
    const target = (l: Lock, v: Value) => {
      for (let i = 0; i < 150; i++) {
        l.acquireSync();
        v.value = (v.value as number) + 1;
        l.release();
      }
    };
    const ps = [0, 1].map(() => new Process({ target, args: [lock, counter] }));
    for (const p of ps) p.start();
    for (let i = 0; i < 150; i++) {
      await lock.acquire();
      counter.value = (counter.value as number) + 1;
      lock.release();
    }
    for (const p of ps) await p.join();
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0]);
    expect(counter.value).toBe(450);
    expect(lock.locked()).toBe(false);
  });

  it('a Semaphore and getters (value) cross too; AbortSignal is refused clearly in the child', async () => {
    const sem = new Semaphore(2);
    const p = new Process({
      target: async (s: Semaphore) => {
        await s.acquire();
        if (s.value !== 1) throw new Error(`value ${s.value}`);
        try {
          await s.acquire({ signal: new AbortController().signal });
          throw new Error('signal accepted');
        } catch (error) {
          if (!(error instanceof TypeError)) throw error;
        }
      },
      args: [sem],
    });
    p.start();
    await p.join();
    expect(p.exception).toBeUndefined();
    expect(sem.value).toBe(1);
  });
});

describe('Process: daemons, output, tracing, module targets', () => {
  it('a non-daemon process keeps the parent alive; a daemon one is ended when the parent exits', async () => {
    const { stdout, code } = await runScript(`
      import { Process } from '@conc/process';
      const d = new Process({ daemon: true, target: () => {
        console.log('daemon pid ' + process.pid);
        setInterval(() => {}, 1000);
      } });
      d.start();
      const n = new Process({ target: () => new Promise((r) => setTimeout(() => { console.log('non-daemon done'); r(); }, 500)) });
      n.start();
      console.log('daemon', d.pid);
      console.log('main done');
    `);
    expect(code).toBe(0);
    expect(stdout).toContain('main done');
    expect(stdout).toContain('non-daemon done');
    expect(stdout.indexOf('main done')).toBeLessThan(stdout.indexOf('non-daemon done'));
    const pid = Number(/daemon (\d+)/.exec(stdout)![1]);
    // The daemon ends with its parent: poll until the OS says it is gone.
    let alive = true;
    for (let i = 0; i < 100 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((r) => setTimeout(r, 100));
      } catch {
        alive = false;
      }
    }
    expect(alive).toBe(false);
  });

  it("children's output reaches the parent in order, line by line, also while the parent blocks", async () => {
    const { stdout, code } = await runScript(`
      import { Process } from '@conc/process';
      const p = new Process({ target: () => { for (let i = 0; i < 300; i++) console.log('child line ' + i); } });
      p.start();
      p.joinSync();
      console.log('parent after join');
    `);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(301);
    for (let i = 0; i < 300; i++) expect(lines[i]).toBe(`child line ${i}`);
    expect(lines[300]).toBe('parent after join');
  });

  it('forwards trace events from a child only while somebody subscribes in the parent', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const events: { type: string; kind: string; thread: number; id: number }[] = [];
    const listener = (event: unknown): void => void events.push(event as never);
    subscribe('@conc/trace', listener);
    try {
      const lock = new Lock();
      const p = new Process({
        target: shipped(`async (l) => {
          const { trace } = await import('@conc/core/internal');
          trace('ping', 'Test', 7);
          await new Promise((r) => setTimeout(r, 300));
          await l.acquire();
          l.release();
        }`),
        args: [lock],
      });
      p.start();
      await p.join();
      expect(p.exception).toBeUndefined();
      expect(events.filter((e) => e.kind === 'Process').map((e) => e.type)).toEqual(['start', 'exit']);
      // Forwarded events travel through the supervisor's port: they may land just after join.
      for (let i = 0; i < 100 && !events.some((e) => e.type === 'ping'); i++) await new Promise((r) => setTimeout(r, 50));
      const ping = events.find((e) => e.type === 'ping');
      expect(ping).toBeDefined();
      expect(ping!.thread).not.toBe(events.find((e) => e.kind === 'Process')!.thread);
    } finally {
      unsubscribe('@conc/trace', listener);
    }
    events.length = 0;
    const quiet = new Process({ target: shipped(`async () => (await import('@conc/core/internal')).trace('ping', 'Test', 8)`) });
    quiet.start();
    await quiet.join();
    expect(events).toEqual([]);
  });

  it('traces what a child does through the parent\'s objects as that child\'s own operations, waits included', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const events: { type: string; kind: string; thread: number; id: number; name?: string; identity?: number }[] = [];
    const listener = (event: unknown): void => void events.push(event as never);
    subscribe('@conc/trace', listener);
    try {
      const lock = new Lock();
      const held = new Event();
      const holder = new Process({
        name: 'holder',
        target: shipped(`async (l, held) => { await l.acquire(); held.set(); await new Promise((r) => setTimeout(r, 400)); l.release(); }`),
        args: [lock, held],
      });
      const waiter = new Process({
        name: 'waiter',
        target: shipped(`async (l, held) => { await held.wait(); l.acquireSync(); l.release(); }`),
        args: [lock, held],
      });
      holder.start();
      waiter.start();
      await holder.join();
      await waiter.join();
      expect([holder.exitCode, waiter.exitCode]).toEqual([0, 0]);
      const identity = (name: string): number => events.find((e) => e.kind === 'Process' && e.type === 'start' && e.name === name)!.identity!;
      const opsOf = async (name: string, count: number): Promise<string[]> => {
        // Forwarded through the supervisor's port: they may land just after join.
        const ops = () => events.filter((e) => e.thread === identity(name) && e.kind === 'Lock').map((e) => e.type);
        for (let i = 0; i < 100 && ops().length < count; i++) await new Promise((r) => setTimeout(r, 50));
        return ops();
      };
      expect(await opsOf('holder', 2)).toEqual(['acquire', 'release']);
      expect(await opsOf('waiter', 3)).toEqual(['wait', 'acquire', 'release']);
      expect(identity('holder')).not.toBe(identity('waiter'));
    } finally {
      unsubscribe('@conc/trace', listener);
    }
  });

  it('a trace event at the target\'s first instruction is forwarded from a child too', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const events: { type: string; id: number }[] = [];
    const listener = (event: unknown): void => void events.push(event as never);
    subscribe('@conc/trace', listener);
    try {
      const p = new Process({
        target: shipped(`() => process.getBuiltinModule('node:diagnostics_channel').channel('@conc/trace').publish({ type: 'first', kind: 'Test', id: 12, thread: 0, time: 0 })`),
      });
      p.start();
      await p.join();
      expect(p.exitCode).toBe(0);
      for (let i = 0; i < 100 && !events.some((e) => e.type === 'first'); i++) await new Promise((r) => setTimeout(r, 50));
      expect(events.filter((e) => e.type === 'first').map((e) => e.id)).toEqual([12]);
    } finally {
      unsubscribe('@conc/trace', listener);
    }
  });

  it('module targets, and TypeScript ones when the parent runs under tsx', async () => {
    const { stdout, stderr, code } = await runScript(`
      import { Process } from '@conc/process';
      const a = new Process({ target: { module: './test/fixtures/tasks.mjs', export: 'add' }, args: [20, 22] });
      a.start(); await a.join();
      const t = new Process({ target: { module: './test/fixtures/tasks.ts', export: 'typed' }, args: [5] });
      t.start(); await t.join();
      console.log(a.exitCode, t.exitCode);
    `, { node: ['--import', 'tsx'] });
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe('add 42\ntyped 10\n0 0\n');
  });

  it('a Barrier and a Condition cross: three children and the parent meet, then are notified', async () => {
    const { Barrier, Condition } = await import('@conc/sync');
    const barrier = new Barrier(4);
    const condition = new Condition();
    const arrived = new Value('i32', 0);
    const child = async (b: InstanceType<typeof Barrier>, c: InstanceType<typeof Condition>, n: Value) => {
      await b.wait(30_000);
      await c.acquire();
      n.value = (n.value as number) + 1;
      c.notifyAll();
      c.release();
    };
    const ps = Array.from({ length: 3 }, () => new Process({ target: child, args: [barrier, condition, arrived] }));
    for (const p of ps) p.start();
    await barrier.wait(30_000);
    await condition.acquire();
    expect(await condition.waitFor(() => arrived.value === 3, 30_000)).toBe(true);
    condition.release();
    for (const p of ps) await p.join();
    expect(ps.map((p) => p.exitCode)).toEqual([0, 0, 0]);
  });
});
