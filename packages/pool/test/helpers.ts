/** The error a promise rejects with; fails the test when it fulfils instead. */
export async function errorOf<E = Error>(promise: PromiseLike<unknown>): Promise<E> {
  try {
    await promise;
  } catch (error) {
    return error as E;
  }
  throw new Error('expected a rejection, the promise fulfilled');
}
