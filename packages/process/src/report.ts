import { writeSync } from 'node:fs';

/**
 * How a thread or process reports an uncaught error, the way Python does: a header line
 * (`Exception in thread NAME:` for a thread, `Process NAME:` for a process) and the stack,
 * written in one piece to stderr so that it is never interleaved with other output.
 * @internal
 */
export function printException(header: string, error: unknown): void {
  const body = error instanceof Error ? (error.stack ?? `${error.name}: ${error.message}`) : `Error: non-error thrown: ${String(error)}`;
  writeSync(2, `${header}\n${body}\n`);
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
        if (typeof chunk === 'string') writeSync(fd, chunk, null, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8');
        else writeSync(fd, chunk as Uint8Array);
      } catch {
        // A closed stdout (EPIPE) must not crash the thread: Python ignores it too.
      }
      if (typeof done === 'function') (done as () => void)();
      return true;
    };
    Object.defineProperty(stream, 'write', { value: write, configurable: true, writable: true });
  }
}
