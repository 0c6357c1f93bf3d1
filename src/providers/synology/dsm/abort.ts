import { delayOrAbort, settleOrAbort } from '../../../abort.js';
import { OperationError } from '../../../errors.js';

/** Cancellation helpers: every DSM call honours its caller's AbortSignal. */

export const READ_BEFORE_RETRY = 'Read the current state (for example get_vm or list_tasks) before trying again.';

export function cancelled(what: string, outcomeUnknown = false): OperationError {
  if (!outcomeUnknown) return new OperationError('cancelled', `${what} was cancelled.`);
  return new OperationError(
    'cancelled',
    `${what} was cancelled while DSM was handling it: the change may or may not have happened.`,
    { outcomeUnknown, next: READ_BEFORE_RETRY },
  );
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw cancelled(what);
}

/** Waits for a promise that other callers share; aborting stops this caller's wait, not the shared work. */
export function awaitWithSignal<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  return settleOrAbort(promise, signal, () => cancelled(what));
}

export function sleep(ms: number, signal: AbortSignal | undefined, what: string): Promise<void> {
  return delayOrAbort(ms, signal, () => cancelled(what));
}
