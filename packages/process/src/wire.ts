import type { Socket } from 'node:net';
import { deserialize, serialize } from 'node:v8';

/**
 * Framing on the broker's socket: a 4-byte length, then a v8-serialized message (data only:
 * @conc objects travel as handles, never as code).
 * @internal
 */
export function sendFrame(socket: Socket, message: unknown): void {
  const body = serialize(message);
  const head = Buffer.allocUnsafe(4);
  head.writeUInt32LE(body.length, 0);
  socket.write(Buffer.concat([head, body]));
}

/** Calls `onMessage` for each whole frame arriving on `socket`. @internal */
export function readFrames(socket: Socket, onMessage: (message: unknown) => void): void {
  let pending: Buffer = Buffer.alloc(0);
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4) {
      const length = pending.readUInt32LE(0);
      if (pending.length < 4 + length) break;
      const body = pending.subarray(4, 4 + length);
      pending = pending.subarray(4 + length);
      onMessage(deserialize(body));
    }
  });
}

/** A call from a child to the broker. @internal */
export interface CallRequest {
  id: number;
  handle: number;
  /** `call` a method, `get` or `set` a property. */
  op: 'call' | 'get' | 'set';
  name: string;
  args: unknown[];
  /** The calling thread's identity (lock ownership). */
  identity: number;
}

/** The broker's answer. @internal */
export type CallResponse = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: import('@conc/core/internal').SerializedError };

/** What a handle says about the object it stands for, so the child can build its proxy. @internal */
export interface HandleShape {
  handle: number;
  /** The kind of the real object, e.g. `'@conc/sync:Lock'`. */
  of: string;
  methods: string[];
  /** Methods that return synchronously (the others return Promises). */
  sync: string[];
  getters: string[];
  setters: string[];
  socket: string;
}

/** The kind name of handles. @internal */
export const HANDLE_KIND = '@conc/process:Handle';
