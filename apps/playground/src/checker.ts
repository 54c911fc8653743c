/**
 * TypeScript's verdict on an edited program, from a worker thread (`checker-worker.mjs`):
 * syntax errors stop a run before it starts; type errors are reported beside it, as tsx runs
 * the program regardless (the same as running it from the terminal).
 */
import { Worker } from 'node:worker_threads';

/** One problem TypeScript found, located in the edited text (1-based line and column). */
export interface Diagnostic {
  line: number;
  column: number;
  /** How many characters it spans. */
  length: number;
  /** TypeScript's error code (`TS2339`). */
  code: number;
  message: string;
}

/** The checker: one worker, its requests answered in order. */
export interface Checker {
  /**
   * @param check - `'syntax'` (fast) or `'types'` (the whole program, with the packages' types).
   * @param name - The program's name: the text is checked as `programs/<name>.ts`.
   * @param source - The edited text.
   * @returns What TypeScript found (empty: nothing).
   */
  check(check: 'syntax' | 'types', name: string, source: string): Promise<Diagnostic[]>;
  close(): Promise<void>;
}

/**
 * Starts the checker's worker and warms it (the first check loads the libraries) with `warmUp`.
 * @param warmUp - A program to check once at start.
 * @returns The checker.
 */
export function startChecker(warmUp?: { name: string; source: string }): Checker {
  const worker = new Worker(new URL('./checker-worker.mjs', import.meta.url));
  worker.unref();
  const pending = new Map<number, { resolve: (value: Diagnostic[]) => void; reject: (error: Error) => void }>();
  let next = 1;
  let failure: Error | undefined;
  const failAll = (error: Error): void => {
    failure = error;
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  worker.on('message', (message: { id: number; diagnostics?: Diagnostic[]; error?: string }) => {
    const waiter = pending.get(message.id);
    pending.delete(message.id);
    if (message.error !== undefined) waiter?.reject(new Error(message.error));
    else waiter?.resolve(message.diagnostics!);
  });
  worker.on('error', failAll);
  worker.on('exit', () => failAll(failure ?? new Error('the TypeScript checker stopped')));
  const checker: Checker = {
    check(check, name, source) {
      if (failure) return Promise.reject(failure);
      const id = next++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        worker.postMessage({ id, check, name, source });
      });
    },
    async close() {
      await worker.terminate();
    },
  };
  if (warmUp) void checker.check('types', warmUp.name, warmUp.source).catch(() => {});
  return checker;
}
