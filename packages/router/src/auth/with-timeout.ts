/**
 * Runs an in-process authenticator or authorizer function (the counterpart of a procedure the
 * router calls) under the same rules as a call: whatever it throws or rejects with is the
 * failure, and it fails with a `TimeoutError` when it has not answered in time.
 */
import { type Clock, TimeoutError } from '@interchange/protocol';

/** What `run` returns or resolves with; rejects with what it throws, or on timeout. */
export function withTimeout<T>(clock: Clock, timeoutMs: number, what: string, run: () => T): Promise<Awaited<T>> {
  return new Promise<Awaited<T>>((resolve, reject) => {
    const timer = clock.setTimeout(
      () => reject(new TimeoutError(`${what} did not answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    Promise.resolve()
      .then(run)
      .then(
        (value: T) => {
          clock.clearTimeout(timer);
          resolve(value as Awaited<T>);
        },
        (error: unknown) => {
          clock.clearTimeout(timer);
          reject(error);
        },
      );
  });
}
