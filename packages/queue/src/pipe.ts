import { typeName } from '@conc/core/internal';
import { CHANNEL_KIND, Connection } from './connection.js';
import { FifoCore } from './fifo-core.js';

/**
 * Makes a pipe: Python's `multiprocessing.Pipe`. A duplex pipe (the default) is two one-way
 * channels, and each end sends on one and receives on the other; `Pipe(false)` returns
 * `[reader, writer]`. The ends cross to threads and processes like any `@conc` object.
 *
 * @typeParam T - The type of the values sent.
 * @param duplex - Whether both ends send and receive.
 * @returns The two ends.
 * @throws TypeError when `duplex` is not a boolean.
 * @example
 * ```ts
 * import { Pipe } from '@conc/queue';
 * const [reader, writer] = Pipe<number>(false);
 * writer.send(42);
 * console.log(await reader.recv()); // 42
 * ```
 */
export function Pipe<T = unknown>(duplex = true): [Connection<T>, Connection<T>] {
  if (typeof duplex !== 'boolean') throw new TypeError(`Pipe: duplex must be a boolean, got ${typeName(duplex)}`);
  const forward = FifoCore.create(CHANNEL_KIND, 0);
  if (!duplex) return [new Connection<T>(forward, undefined), new Connection<T>(undefined, forward)];
  const backward = FifoCore.create(CHANNEL_KIND, 0);
  return [new Connection<T>(forward, backward), new Connection<T>(backward, forward)];
}
