import { allocateBlock, openBlock, type BlockDescriptor, type SharedBlock, type SharedDescriptor } from '@conc/core/internal';

// A revived object must run its constructor (to set up its fields) over an existing block,
// without offering a public constructor argument for it: the reviver parks the block here
// and the constructor takes it.
let parked: SharedBlock | undefined;

/**
 * The block a constructor should use: the one being revived, or a fresh zeroed one of
 * `byteLength` bytes tagged with `kind`. Call it first thing in the constructor, before
 * building anything else (a nested default lock would otherwise take the block).
 * @internal
 */
export function takeBlock(kind: string, byteLength: number): { block: SharedBlock; fresh: boolean } {
  const block = parked;
  parked = undefined;
  return block ? { block, fresh: false } : { block: allocateBlock(kind, byteLength), fresh: true };
}

/** Runs `make` (which calls a constructor) over the block of `descriptor`. @internal */
export function reviveOver<T>(kind: string, descriptor: SharedDescriptor, make: () => T): T {
  parked = openBlock(kind, descriptor as unknown as BlockDescriptor);
  try {
    return make();
  } finally {
    parked = undefined;
  }
}

/** The cloneable part of a block's descriptor. @internal */
export function blockFields(block: SharedBlock): BlockDescriptor {
  return { buffer: block.buffer, byteOffset: block.byteOffset, byteLength: block.byteLength };
}
