export { threadsWith, sleep, until, type Started, type Threads } from './threads.js';
export { stopAtAtomic } from './stop-at-atomic.js';
export { timed, abandonedDuring, SLACK_MS } from './chaos.js';
