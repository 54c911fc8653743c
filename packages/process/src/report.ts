import { writeSync } from 'node:fs';

/**
 * How a thread or process reports an uncaught error, the way Python does: a header line
 * (`Exception in thread NAME:` for a thread, `Process NAME:` for a process) and the stack,
 * written in one piece to stderr so that it is never interleaved with other output.
 * @internal
 */
export function printException(header: string, error: unknown): void {
  const body = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : `Error: non-error thrown: ${String(error)}`;
  writeFully(2, Buffer.from(`${header}\n${body}\n`));
}

const pause = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes all of `bytes` to `fd`, synchronously. The descriptor may be non-blocking (a pipe
 * Node set up for the process): a full pipe answers EAGAIN, so wait a moment and go on
 * rather than drop the rest.
 */
function writeFully(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset, bytes.length - offset);
    } catch (error) {
      if ((error as { code?: string }).code !== 'EAGAIN') throw error;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/**
 * Makes `process.stdout` and `process.stderr` of this worker write straight to the process's
 * file descriptors. A worker's output otherwise travels through its parent's event loop, which
 * a parent blocked in `joinSync()` or `acquireSync()` is not running: lines would arrive late
 * and out of order with the parent's own. One `writeSync` per `console.log` keeps lines whole.
 * @internal
 */
export function writeOutputDirectly(): void {
  for (const [stream, fd] of [[process.stdout, 1], [process.stderr, 2]] as const) {
    const write = (chunk: unknown, encoding?: unknown, callback?: unknown): boolean => {
      const done = typeof encoding === 'function' ? encoding : callback;
      try {
        writeFully(fd, typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : (chunk as Uint8Array));
      } catch {
        // A closed stdout (EPIPE) must not crash the thread: Python ignores it too.
      }
      if (typeof done === 'function') (done as () => void)();
      return true;
    };
    Object.defineProperty(stream, 'write', { value: write, configurable: true, writable: true });
  }
}

/**
 * Resolves once everything written to `process.stdout` and `process.stderr` so far has left
 * the process: call it before `process.exit()`, which would otherwise drop output still
 * queued on a pipe.
 * @internal
 */
export function flushOutput(): Promise<void> {
  const flush = (stream: NodeJS.WriteStream): Promise<void> =>
    new Promise((resolve) => {
      if (stream.destroyed || !stream.writable) return resolve();
      stream.write('', () => resolve());
    });
  return Promise.all([flush(process.stdout), flush(process.stderr)]).then(() => {});
}
