import { describe, expect, it } from 'vitest';
import { compileSource, describeTarget, loadTarget } from '@conc/core/internal';

describe('describeTarget', () => {
  it('ships a function as its source', () => {
    const d = describeTarget(function add(a: number, b: number) { return a + b; }, 'Thread');
    expect(d).toMatchObject({ type: 'source', name: 'add' });
  });

  it('refuses built-in, bound and class functions with a TypeError', () => {
    expect(() => describeTarget(Math.max, 'Thread')).toThrow(/Thread: a built-in function cannot be a target/);
    expect(() => describeTarget(((x: number) => x).bind(null), 'Thread')).toThrow(/a bound function cannot be a target/);
    expect(() => describeTarget(class A {}, 'Thread')).toThrow(/a class cannot be a target/);
  });

  it('refuses anything else with a TypeError saying what is accepted', () => {
    for (const bad of [42, 'fn', null, undefined, {}, { module: 5 }, { module: 'x', export: 3 }]) {
      expect(() => describeTarget(bad, 'Pool.apply')).toThrow(TypeError);
    }
    expect(() => describeTarget(42, 'Pool.apply')).toThrow(/a target must be a function or \{ module/);
  });

  it('resolves relative module paths against the working directory and keeps URLs and bare specifiers', () => {
    expect(describeTarget({ module: './x.js' }, 'T')).toEqual({ type: 'module', module: new URL(`file://${process.cwd()}/x.js`).href, export: 'default' });
    expect(describeTarget({ module: new URL('file:///a/b.js'), export: 'run' }, 'T')).toEqual({ type: 'module', module: 'file:///a/b.js', export: 'run' });
    expect(describeTarget({ module: 'node:path', export: 'join' }, 'T')).toEqual({ type: 'module', module: 'node:path', export: 'join' });
  });
});

describe('compileSource', () => {
  it('compiles arrows, functions, async functions and method shorthand', async () => {
    expect(compileSource('(a, b) => a * b')(6, 7)).toBe(42);
    expect(compileSource('function twice(x) { return 2 * x; }')(4)).toBe(8);
    expect(await compileSource('async (x) => x + 1')(1)).toBe(2);
    expect(compileSource('run(n) { return n - 1; }')(10)).toBe(9);
    expect(await compileSource('async run() { return "ok"; }')()).toBe('ok');
  });

  it('defines the bundler helpers shipped source may call', () => {
    const fn = compileSource('() => { const f = __name(function inner() { return 5; }, "inner"); return f(); }');
    expect(fn()).toBe(5);
  });

  it('compiles once per thread', () => {
    expect(compileSource('(x) => x')).toBe(compileSource('(x) => x'));
  });

  it('lets shipped code import modules (in a real worker)', async () => {
    // The test runner evaluates modules in a context without a dynamic-import hook; workers have one.
    const { Worker } = await import('node:worker_threads');
    const worker = new Worker(
      `import('@conc/core/internal').then(async ({ compileSource }) => {
         const fn = compileSource('async () => { const { join } = await import("node:path"); return join("a", "b"); }');
         require('node:worker_threads').parentPort.postMessage(await fn());
       });`,
      { eval: true },
    );
    expect(await new Promise((resolve) => worker.once('message', resolve))).toBe('a/b');
    await worker.terminate();
  });
});

describe('loadTarget', () => {
  it('imports a module target once and calls the named export', async () => {
    const d = { type: 'module' as const, module: 'node:path', export: 'join' };
    const fn = await loadTarget(d);
    expect(fn('x', 'y')).toBe('x/y');
    expect(await loadTarget(d)).toBe(fn);
  });

  it('rejects a missing export with a TypeError', async () => {
    await expect(loadTarget({ type: 'module', module: 'node:path', export: 'nope' })).rejects.toThrow(/has no function export 'nope'/);
  });

  it('rejects source that does not compile', async () => {
    await expect(loadTarget({ type: 'source', source: '(((', name: 'x' })).rejects.toThrow(SyntaxError);
  });
});

describe('@conc/core/target', () => {
  it('is the same module as the one @conc/core/internal exports (one compile cache per thread)', async () => {
    const lean = await import('@conc/core/target');
    expect(lean.compileSource).toBe(compileSource);
    expect(lean.loadTarget).toBe(loadTarget);
    expect(lean.describeTarget).toBe(describeTarget);
    const source = '(x) => x * 3';
    expect(lean.compileSource(source)).toBe(compileSource(source));
  });

  it('loads without the rest of the core (a lean worker entry)', async () => {
    const { Worker } = await import('node:worker_threads');
    // The built-ins a worker has loaded after importing `entry` and running a shipped function.
    const builtinsAfter = async (entry: string): Promise<{ sum: number; loaded: string[] }> => {
      const worker = new Worker(
        `import(${JSON.stringify(entry)}).then(async ({ loadTarget }) => {
          const fn = await loadTarget({ type: 'source', source: '(a, b) => a + b', name: 'add' });
          const { parentPort } = await import('node:worker_threads');
          parentPort.postMessage({ sum: fn(2, 3), loaded: process.moduleLoadList });
        });`,
        { eval: true },
      );
      try {
        return await new Promise((resolve, reject) => {
          worker.once('message', resolve);
          worker.once('error', reject);
        });
      } finally {
        await worker.terminate();
      }
    };
    const lean = await builtinsAfter('@conc/core/target');
    const whole = await builtinsAfter('@conc/core/internal');
    expect(lean.sum).toBe(5);
    expect(whole.sum).toBe(5);
    // node:v8 (the codec's) is the heaviest built-in the whole core loads.
    expect(whole.loaded).toContain('NativeModule v8');
    expect(lean.loaded).not.toContain('NativeModule v8');
  });
});
