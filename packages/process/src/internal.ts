/**
 * What other @conc packages reuse from @conc/process (pool workers of kind 'process', manager
 * servers and clients in child processes). Not a public API: it may change in any release.
 *
 * @packageDocumentation
 * @internal
 */
export { handleFor, supervisorWorker, spawnChild, type SpawnRequest } from './supervisor.js';
export { Broker } from './broker.js';
export { BrokerClient, brokerClient } from './broker-client.js';
export { handleProxy } from './handle.js';
export { shapeOf, markHandle } from './handle-shape.js';
export { HANDLE_KIND, sendFrame, readFrames, type CallRequest, type CallResponse, type HandleShape } from './wire.js';
export { inheritedExecArgv } from './exec-argv.js';
export { printException, writeOutputDirectly } from './report.js';
export { republish, traceFlag, childStarted, childEnded } from './trace-forward.js';
export { prepareTypeScript } from './typescript-loader.js';
export { runSpec, checkRunOptions, type RunSpec, type CheckedOptions } from './options.js';
