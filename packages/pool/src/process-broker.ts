import { connect } from 'node:net';
import { prepare, type Shareable, type SharedDescriptor } from '@conc/core/internal';
import { handleFor } from '@conc/process/internal';
import type { Prepared } from './engine.js';

let brokerSocket: string | undefined;
let brokerReady: Promise<void> | undefined;
let brokerListening = false;

/**
 * Prepares a value for a local worker. For a process worker, each @conc object becomes a
 * handle of @conc/process's broker, which serves it to the child over a socket (shared memory
 * does not reach another process).
 * @internal
 */
export function prepareFor(kind: 'thread' | 'process', value: unknown, path: string): Prepared {
  return kind === 'process' ? prepare(value, path, { mapDescriptor: brokerHandle }) : prepare(value, path);
}

/** Whether the broker is known to accept connections (children may be sent its handles). @internal */
export function brokerIsListening(): boolean {
  return brokerListening;
}

function brokerHandle(descriptor: SharedDescriptor, object: Shareable): unknown {
  const marked = handleFor(descriptor, object);
  brokerSocket ??= marked['socket'] as string;
  return marked;
}

/**
 * The broker starts listening on its own thread a moment after its first handle: a child that
 * connected before that would be refused. Children are sent handles only once a probe connects.
 * @internal
 */
export function whenBrokerListens(): Promise<void> {
  brokerReady ??= new Promise<void>((resolve) => {
    const started = performance.now();
    const attempt = (): void => {
      const socket = connect({ path: brokerSocket! });
      socket.once('connect', () => {
        socket.destroy();
        brokerListening = true;
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        // Give up waiting after a while: the children then report the broker's failure.
        if (performance.now() - started > 10_000) resolve();
        else setTimeout(attempt, 5);
      });
    };
    attempt();
  });
  return brokerReady;
}
