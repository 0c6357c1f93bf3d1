import { OperationError } from '../errors.js';
import type { WireFailure } from './failure.js';
import { tlsError, type TlsWording } from './tls-errors.js';

/**
 * Turns a failed exchange into the error a user reads, in the words of the provider. The one rule that
 * matters: a write that may have reached the server is never reported as simply failed, because it may
 * have happened; the user is told to read the current state before trying again.
 */

/** What a cancellation says: the server's name and the step before trying a write again. */
export interface CancelWording {
  /** e.g. "DSM", "dcmgr". */
  server: string;
  /** e.g. "Read the current state (get_vm or list_images) before trying again." */
  readBeforeRetry: string;
}

export interface FailureWording extends CancelWording {
  /** What an answer should have been, e.g. "the DSM Web API". */
  api: string;
  /** After a timeout of a call that changed nothing. */
  busyNext: string;
  /** After an answer that is not the API. */
  notTheApiNext: string;
  /** After no answer at all. */
  unreachableNext: string;
  tls: TlsWording;
}

export function cancelledError(what: string, outcomeUnknown: boolean, wording: CancelWording): OperationError {
  if (!outcomeUnknown) return new OperationError('cancelled', `${what} was cancelled.`);
  return new OperationError('cancelled', `${what} was cancelled while ${wording.server} was handling it: the change may or may not have happened.`, {
    outcomeUnknown,
    next: wording.readBeforeRetry,
  });
}

export function failureError(failure: WireFailure, context: { write: boolean; what: string; origin: string }, wording: FailureWording): OperationError {
  const { write, what, origin } = context;
  const { server, readBeforeRetry } = wording;
  const unknown = write && failure.maybeDelivered;
  const maybe = unknown ? ' The change may or may not have happened.' : '';
  const common = { cause: failure, outcomeUnknown: unknown };
  switch (failure.reason) {
    case 'tls':
      return tlsError(failure.cause, origin, wording.tls);
    case 'cancelled':
      return cancelledError(what, unknown, wording);
    case 'timeout':
      return new OperationError('timeout', `${what} failed: ${failure.message} from ${server} at ${origin}.${maybe}`, {
        ...common,
        next: unknown ? readBeforeRetry : wording.busyNext,
      });
    case 'protocol':
      return new OperationError('protocol', `${server} at ${origin} answered ${what} with something that is not ${wording.api}: ${failure.message}.${maybe}`, {
        ...common,
        next: unknown ? readBeforeRetry : wording.notTheApiNext,
      });
    case 'network':
    case 'server':
      if (unknown) {
        return new OperationError('transport', `${what} failed in transit (${failure.message}).${maybe}`, { ...common, next: readBeforeRetry });
      }
      return new OperationError('transport', `${what} failed: no answer from ${server} at ${origin} (${failure.message}).${write ? ' Nothing was sent.' : ''}`, {
        ...common,
        next: wording.unreachableNext,
      });
  }
}
