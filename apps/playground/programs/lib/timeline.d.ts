/**
 * Sleeps without blocking the event loop (Python's `time.sleep` in async code), drawn as a
 * sleeping span in the playground's timeline.
 * @param ms - How long, in milliseconds.
 * @returns A promise that settles after `ms` milliseconds.
 */
export declare function sleep(ms: number): Promise<void>;

/**
 * Blocks the calling thread for `ms` milliseconds (Python's `time.sleep` in a thread), drawn
 * as a sleeping span in the timeline.
 * @param ms - How long, in milliseconds.
 */
export declare function sleepSync(ms: number): void;

/**
 * Names a @conc object in the timeline: marks and waits on it then read "Lock 'balance'".
 * @param object - Any shareable object of the @conc packages (a lock, an event, a queue, ...).
 * @param name - The name to show.
 * @returns The object, so that `const lock = label(new Lock(), 'balance')` reads well.
 */
export declare function label<T extends object>(object: T, name: string): T;
