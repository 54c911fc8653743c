import { describeTarget, prepare, typeName, type Prepared, type Target, type TargetDescriptor } from '@conc/core/internal';

/** The options `Thread` and `Process` share (Python's `target`, `args`, `name`, `daemon`). */
export interface RunOptions {
  /** What to run: a self-contained function or `{ module, export? }`. Without it (and without a `run()` override) the thread does nothing. */
  target?: Target;
  /** Arguments for the target; `@conc` objects anywhere inside them are the same live objects over there. */
  args?: readonly unknown[];
  /** The name (default `Thread-N` / `Process-N`). */
  name?: string;
  /** A daemon does not keep its parent alive and ends with it (default: the creating thread's daemon flag, `false` on the main thread). */
  daemon?: boolean;
}

/** Validated constructor options. @internal */
export interface CheckedOptions {
  target: TargetDescriptor | undefined;
  args: unknown[];
  name: string | undefined;
  daemon: boolean | undefined;
}

/** Checks the options of a `Thread` or `Process` constructor. @internal */
export function checkRunOptions(options: unknown, what: string): CheckedOptions {
  if (options === undefined) return { target: undefined, args: [], name: undefined, daemon: undefined };
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new TypeError(`${what}: options must be an object { target?, args?, name?, daemon? }, got ${typeName(options)}`);
  }
  const { target, args, name, daemon } = options as Record<string, unknown>;
  if (args !== undefined && !Array.isArray(args)) throw new TypeError(`${what}: args must be an array, got ${typeName(args)}`);
  if (name !== undefined) checkName(name, what);
  if (daemon !== undefined && typeof daemon !== 'boolean') throw new TypeError(`${what}: daemon must be a boolean, got ${typeName(daemon)}`);
  return {
    target: target === undefined ? undefined : describeTarget(target, what),
    args: args === undefined ? [] : [...(args as unknown[])],
    name: name as string | undefined,
    daemon: daemon as boolean | undefined,
  };
}

/** @internal */
export function checkName(name: unknown, what: string): asserts name is string {
  if (typeof name !== 'string') throw new TypeError(`${what}: name must be a string, got ${typeName(name)}`);
}

/** What a started thread or process runs. @internal */
export interface RunSpec {
  target: TargetDescriptor | undefined;
  /** The instance's own data fields (subclasses): `this` in `run()`. */
  self: unknown;
  args: unknown;
  shared: boolean;
}

/**
 * Decides what runs: an overridden `run()` (shipped as source, with the instance's own data
 * fields as `this`) or the target. Prepares everything to cross, so a value that cannot
 * cross is a `DataCloneError` before anything starts.
 * @internal
 */
export function runSpec(
  instance: object,
  baseRun: unknown,
  target: TargetDescriptor | undefined,
  args: unknown[],
  what: string,
  prepareOptions?: Parameters<typeof prepare>[2],
): RunSpec {
  const run = (instance as { run?: unknown }).run;
  if (run !== baseRun) {
    const described = describeTarget(run, `${what}.run`);
    const fields: Record<string, unknown> = {};
    for (const key of Object.keys(instance)) fields[key] = (instance as Record<string, unknown>)[key];
    const self: Prepared = prepare(fields, 'this', prepareOptions);
    const prepared = prepare(args, 'args', prepareOptions);
    return { target: described, self: self.value, args: prepared.value, shared: self.shared || prepared.shared };
  }
  const prepared = prepare(args, 'args', prepareOptions);
  return { target, self: undefined, args: prepared.value, shared: prepared.shared };
}
