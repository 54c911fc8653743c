import { threadsWith } from '@conc/test-kit';

/** Real worker threads running a test's function; queues arrive in them as the same queue. */
export const { start, inThreads } = threadsWith('@conc/queue');
export { sleep, until, stopAtAtomic, type Started } from '@conc/test-kit';
