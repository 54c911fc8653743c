import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import * as core from '@conc/core';
import { deserializeError, serializeError } from '@conc/core/internal';

describe('errors', () => {
  it('every class is a ConcError named after itself', () => {
    const classes = ['TimeoutError', 'EmptyError', 'FullError', 'ShutDownError', 'BrokenBarrierError', 'EOFError', 'StateError', 'WorkerCrashedError', 'AuthenticationError'] as const;
    for (const name of classes) {
      const error = new core[name]('m');
      expect(error).toBeInstanceOf(core.ConcError);
      expect(error).toBeInstanceOf(Error);
      expect(error.name).toBe(name);
    }
    expect(new core.DataCloneError('args[0]', 'no').name).toBe('DataCloneError');
  });

  it('a built-in error thrown in a worker is rebuilt as the same class, with cause and both stacks', async () => {
    const worker = new Worker(
      `const { parentPort } = require('node:worker_threads');
       function deep() { throw new TypeError('bad type', { cause: new RangeError('inner') }); }
       try { deep(); } catch (e) { parentPort.postMessage({ name: e.name, message: e.message, stack: e.stack, cause: { name: e.cause.name, message: e.cause.message, stack: e.cause.stack } }); }`,
      { eval: true },
    );
    const data = await new Promise<core.RemoteError>((resolve) => worker.once('message', resolve));
    const error = deserializeError(data as never);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('bad type');
    expect(error.cause).toBeInstanceOf(RangeError);
    expect(error.stack).toContain('deep');
    expect(error.stack).toContain('remote stack above');
    await worker.terminate();
  });

  it('our own classes come back as themselves; other classes as RemoteError keeping the name', () => {
    expect(deserializeError(serializeError(new core.EmptyError('none')))).toBeInstanceOf(core.EmptyError);
    class ValidationError extends Error {
      override name = 'ValidationError';
    }
    const remote = deserializeError(serializeError(new ValidationError('bad row')));
    expect(remote).toBeInstanceOf(core.RemoteError);
    expect(remote.name).toBe('ValidationError');
    expect(remote.message).toBe('bad row');
  });

  it('serializes non-errors that were thrown', () => {
    const data = serializeError('just a string');
    expect(data.message).toMatch(/just a string/);
    expect(structuredClone(serializeError({ fn: () => 1 }))).toBeTruthy();
  });
});

describe('cpuCount', () => {
  it('is a whole number of at least 1', () => {
    expect(Number.isInteger(core.cpuCount())).toBe(true);
    expect(core.cpuCount()).toBeGreaterThanOrEqual(1);
  });
});

describe('errors made with a message alone', () => {
  it('every class keeps the message as it is', () => {
    const classes = [
      'ConcError', 'TimeoutError', 'EmptyError', 'FullError', 'ShutDownError', 'BrokenBarrierError', 'EOFError', 'StateError',
      'WorkerCrashedError', 'AuthenticationError', 'DataCloneError', 'RemoteError', 'CancelledError', 'BrokenExecutorError',
    ] as const;
    for (const name of classes) {
      const error = new core[name]('the message');
      expect(error.message, name).toBe('the message');
      expect(error.name, name).toBe(name);
      expect(error).toBeInstanceOf(core.ConcError);
    }
  });

  it('DataCloneError with a path and a reason names both; with a message alone it has no path', () => {
    const withPath = new core.DataCloneError('args[1].handler', 'a function cannot cross');
    expect(withPath.message).toBe('args[1].handler: a function cannot cross');
    expect(withPath.path).toBe('args[1].handler');
    const plain = new core.DataCloneError('message', { cause: new Error('inner') });
    expect(plain.message).toBe('message');
    expect(plain.path).toBeUndefined();
    expect((plain.cause as Error).message).toBe('inner');
    expect(new core.DataCloneError().message).toBe('');
  });

  it('CancelledError, BrokenExecutorError and DataCloneError cross a thread as themselves', () => {
    for (const error of [new core.CancelledError('c'), new core.BrokenExecutorError('b'), new core.DataCloneError('d')]) {
      const back = deserializeError(serializeError(error));
      expect(back).toBeInstanceOf(error.constructor);
      expect(back.message).toBe(error.message);
    }
  });
});
