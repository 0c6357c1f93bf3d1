import { setTimeout as delay } from 'node:timers/promises';

/**
 * Waiting that a caller can walk away from. Each layer words its own cancellation error, so these take
 * a function that makes it; the work being waited for is not stopped (other callers may share it).
 */

/** Settles like `promise`, or rejects with `onAbort()` as soon as `signal` aborts (at once if it already has). */
export function settleOrAbort<T>(promise: Promise<T>, signal: AbortSignal | undefined, onAbort: () => Error): Promise<T> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = (): void => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(error);
      },
    );
  });
}

/** Sleeps `ms`, or rejects with `onAbort()` as soon as `signal` aborts. */
export async function delayOrAbort(ms: number, signal: AbortSignal | undefined, onAbort: () => Error): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? undefined : { signal });
  } catch (error) {
    if (signal?.aborted === true) throw onAbort();
    throw error;
  }
}
