import { delayOrAbort, settleOrAbort } from '../../../abort.js';
import type { OperationError } from '../../../errors.js';
import { cancelledError, type CancelWording } from '../../../http/failure-errors.js';

/** Cancellation helpers: every DSM call honours its caller's AbortSignal. */

const READ_BEFORE_RETRY = 'Read the current state (for example get_vm or list_tasks) before trying again.';

export const DSM_CANCEL: CancelWording = { server: 'DSM', readBeforeRetry: READ_BEFORE_RETRY };

export function cancelled(what: string, outcomeUnknown = false): OperationError {
  return cancelledError(what, outcomeUnknown, DSM_CANCEL);
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
