/** The channel floor: a `MessageChannel` between two workers, one way. */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { runGated, type WorkerContext } from '../worker.js';
import type { Contender } from '../workload.js';

/** Options of the MessageChannel floor. */
export interface MessageChannelOptions {
  name?: string;
  /** Messages in a full run (a quick run does a tenth). */
  messages?: number;
  /**
   * What crosses: `'object'` a small object `{ i, name, value }` (default), `'bytes64'` a
   * 64-byte `Uint8Array`, `'string64'` a 64-character string.
   */
  item?: 'object' | 'bytes64' | 'string64';
}

interface ChannelData {
  port: MessagePort;
  n: number;
  item: NonNullable<MessageChannelOptions['item']>;
}

function sender(context: WorkerContext<ChannelData>): number {
  const { port, n, item } = context.data;
  const bytes = new Uint8Array(64);
  const view = new DataView(bytes.buffer);
  const pad = 'x'.repeat(54);
  context.ready();
  for (let i = 0; i < n; i++) {
    if (item === 'object') port.postMessage({ i, name: 'item', value: i * 0.5 });
    else if (item === 'bytes64') {
      view.setUint32(0, i, true);
      view.setUint32(60, i ^ 0x5bd1e995, true);
      port.postMessage(bytes);
    } else port.postMessage(String(i).padStart(10, '0') + pad);
  }
  return n;
}

function receiver(context: WorkerContext<ChannelData>): Promise<{ count: number; sum: number }> {
  const { port, n, item } = context.data;
  return new Promise((resolve, reject) => {
    let count = 0;
    let sum = 0;
    port.on('message', (message: { i: number; value: number } | Uint8Array | string) => {
      let i: number;
      let ok: boolean;
      if (item === 'object') {
        const m = message as { i: number; value: number };
        i = m.i;
        ok = m.value === i * 0.5;
      } else if (item === 'bytes64') {
        // Byte by byte, as the queue's consumer reads: `m.buffer` would move V8's on-heap array out.
        const m = message as Uint8Array;
        i = (m[0]! | (m[1]! << 8) | (m[2]! << 16) | (m[3]! << 24)) >>> 0;
        const check = (m[60]! | (m[61]! << 8) | (m[62]! << 16) | (m[63]! << 24)) >>> 0;
        ok = m.byteLength === 64 && check === (i ^ 0x5bd1e995) >>> 0;
      } else {
        const m = message as string;
        i = Number(m.slice(0, 10));
        ok = m.length === 64;
      }
      if (!ok || i !== count) reject(new Error(`message ${count} was ${JSON.stringify(message)}`));
      sum += i;
      if (++count === n) {
        port.close();
        resolve({ count, sum });
      }
    });
    context.ready();
  });
}

/** Messages per second through a `MessageChannel` from one worker to another. */
export function messageChannelThroughput(options: MessageChannelOptions = {}): Contender {
  const { name = 'raw MessageChannel', messages = 200_000, item = 'object' } = options;
  return {
    name,
    role: 'floor',
    async run(quick) {
      const n = quick ? Math.ceil(messages / 10) : messages;
      const { port1, port2 } = new MessageChannel();
      const { ms, results } = await runGated<unknown>([
        [sender, { port: port1, n, item }, { transferList: [port1] }],
        [receiver, { port: port2, n, item }, { transferList: [port2] }],
      ]);
      const { count, sum } = results[1] as { count: number; sum: number };
      if (results[0] !== n || count !== n || sum !== (n * (n - 1)) / 2) throw new Error(`received ${count} of ${n}, sum ${sum}`);
      return n / (ms / 1000);
    },
  };
}
