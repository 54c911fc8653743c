/**
 * The platform floors: the raw mechanisms each @conc package is built on, as reusable
 * contenders (role `floor`). Each checks its own results. Import them in your workloads:
 * `import { casLockUncontended } from '../floors/index.js'`.
 */
export { casLockUncontended, casLockContended, type LockFloorOptions } from './atomics-lock.js';
export { atomicsPingPong, atomicsWaitAsyncRoundTrip, type PingPongOptions } from './atomics-ping-pong.js';
export { spscRing, type RingOptions } from './spsc-ring.js';
export { postMessageRoundTrip, postMessageThroughput, type PostMessageOptions } from './post-message.js';
export { messageChannelThroughput, type MessageChannelOptions } from './message-channel.js';
export { workerStart, forkStart, type StartupOptions } from './startup.js';
export { socketRoundTrip, type SocketRoundTripOptions } from './socket-round-trip.js';
