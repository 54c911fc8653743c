/**
 * The peers: other libraries and CPython, as reusable contenders (role `peer`) that check
 * their own results. Import them in your workloads: `import { poolTinyTasks } from '../peers/index.js'`.
 */
export { asyncMutexUncontended } from './async-mutex.js';
export {
  cpythonEventPingPong,
  cpythonLockContended,
  cpythonLockUncontended,
  cpythonManagerDict,
  cpythonPipePingPong,
  cpythonProcessQueue,
  cpythonQueue,
  type PythonItem,
} from './cpython.js';
export {
  cpythonPoolCpuSpeedup,
  cpythonPoolTinyTasks,
  openPeerPool,
  poolCpuSpeedup,
  poolTinyTasks,
  type CpuOptions,
  type PeerPool,
  type PoolLibrary,
  type TinyTaskOptions,
} from './pools.js';
