import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The mutual challenge-response that opens every connection, before anything is decoded:
 *
 * 1. server → client: `MAGIC` (8 bytes) + server nonce (32)
 * 2. client → server: HMAC-SHA256(key, "client" + server nonce) (32) + client nonce (32) + client token (16)
 * 3. server → client: `0x01` + HMAC-SHA256(key, "server" + client nonce) (32), or `0x00` and close
 *
 * Fixed sizes only, so a peer without the key cannot make either side parse anything. The
 * client token names the client's thread (the owner of an `RLock`) across its connections.
 */

/** Protocol name and version, the first bytes the server sends. @internal */
export const MAGIC = Buffer.from('CONCMGR1', 'latin1');
/** Sizes of the handshake messages. @internal */
export const SERVER_HELLO_BYTES = MAGIC.length + 32;
/** @internal */
export const CLIENT_REPLY_BYTES = 32 + 32 + 16;
/** @internal */
export const SERVER_REPLY_BYTES = 1 + 32;

/** The authkey as bytes. @internal */
export function keyBytes(authkey: string | Uint8Array): Buffer {
  return typeof authkey === 'string' ? Buffer.from(authkey, 'utf8') : Buffer.from(authkey);
}

function digest(key: Buffer, role: 'client' | 'server', nonce: Buffer): Buffer {
  return createHmac('sha256', key).update(role).update(nonce).digest();
}

/** Step 1: the server's hello and the nonce it must remember. @internal */
export function serverHello(): { hello: Buffer; nonce: Buffer } {
  const nonce = randomBytes(32);
  return { hello: Buffer.concat([MAGIC, nonce]), nonce };
}

/**
 * Step 2: the client's answer to a server hello, or an error message when the hello is not
 * one of ours.
 * @internal
 */
export function clientReply(key: Buffer, hello: Buffer, token: Buffer): { reply: Buffer; nonce: Buffer } | string {
  if (!hello.subarray(0, MAGIC.length).equals(MAGIC)) return 'the peer is not a @conc manager server (bad greeting)';
  const nonce = randomBytes(32);
  return { reply: Buffer.concat([digest(key, 'client', hello.subarray(MAGIC.length)), nonce, token]), nonce };
}

/**
 * Step 3: checks the client's answer; on success returns the server's proof and the client
 * token, on failure `undefined`.
 * @internal
 */
export function checkClient(key: Buffer, serverNonce: Buffer, reply: Buffer): { proof: Buffer; token: string } | undefined {
  const expected = digest(key, 'client', serverNonce);
  if (!timingSafeEqual(expected, reply.subarray(0, 32))) return undefined;
  const proof = Buffer.concat([Buffer.from([1]), digest(key, 'server', reply.subarray(32, 64))]);
  return { proof, token: reply.subarray(64, 80).toString('hex') };
}

/** The client's check of the server's proof. @internal */
export function checkServer(key: Buffer, clientNonce: Buffer, reply: Buffer): 'ok' | 'rejected' | 'forged' {
  if (reply[0] !== 1) return 'rejected';
  return timingSafeEqual(digest(key, 'server', clientNonce), reply.subarray(1, 33)) ? 'ok' : 'forged';
}
