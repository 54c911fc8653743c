/**
 * The mechanisms the @conc packages share. Not a public API: it may change in any release.
 *
 * @packageDocumentation
 * @internal
 */
export * from './index.js';
export { serializeError, deserializeError } from './remote-error.js';
export { parseWait, checkTimeout, typeName, type ParsedWait } from './wait-options.js';
export { deadlineAfter, remaining } from './deadline.js';
export { checkDictKey, dictEntries, type DictKey } from './dict-input.js';
export { TYPED_ARRAYS, elementTypeName, type ElementTypeName } from './element-type.js';
export { holdKeepAlive, releaseKeepAlive, keepAliveCount } from './keep-alive.js';
export { waitSync, waitAsync, wake, type WaitResult } from './futex.js';
export { threadIdentity, withIdentity, identityBase } from './identity.js';
export { markGone, isGone, watchWorker, workerIdentity } from './liveness.js';
export { tryLock, lockSync, lockContended, lockAsync, unlock, holderOf, SLICE_MS, type OnTakeover } from './mutex.js';
export { CACHE_LINE, HEADER_WORDS, allocateBlock, openBlock, kindTag, type BlockDescriptor, type SharedBlock } from './shared-block.js';
export {
  toDescriptor,
  registerKind,
  kindInfo,
  isShareable,
  prepare,
  revive,
  reviveSync,
  reviveDescriptor,
  markDescriptor,
  unmarkDescriptor,
  isMarkedDescriptor,
  SHARED_MARK,
  type Shareable,
  type SharedDescriptor,
  type KindInfo,
  type Prepared,
  type PrepareOptions,
  type ReviveOptions,
} from './transfer.js';
export { encode, decode, encodeInto, decodeAt, UNDECODED } from './codec.js';
export { describeTarget, loadTarget, compileSource, type TargetDescriptor } from './target.js';
export { traceChannel, trace, type TraceEvent } from './trace.js';
export { heap, heapId, heapAllocate } from './heap.js';
