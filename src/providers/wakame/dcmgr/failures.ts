import { OperationError } from '../../../errors.js';
import type { WireFailure } from '../../../http/failure.js';
import { tlsError, type TlsWording } from '../../../http/tls-errors.js';

/**
 * Turns a failed exchange into the error a user reads. A write that may have reached dcmgr is never
 * reported as simply failed: it may have happened, so the user is told to read the state first.
 */

/** Stock dcmgr speaks plain http; an https url reaches the TLS proxy a site puts in front of it. */
const DCMGR_TLS: TlsWording = {
  server: 'dcmgr',
  fingerprintSource: "on dcmgr's TLS proxy",
  httpsPort: "the HTTPS port of dcmgr's TLS proxy",
};

export const READ_BEFORE_RETRY = 'Read the current state (get_vm or list_images) before trying again.';

export function cancelled(what: string, outcomeUnknown = false): OperationError {
  if (!outcomeUnknown) return new OperationError('cancelled', `${what} was cancelled.`);
  return new OperationError('cancelled', `${what} was cancelled while dcmgr was handling it: the change may or may not have happened.`, {
    outcomeUnknown,
    next: READ_BEFORE_RETRY,
  });
}

export function failureError(failure: WireFailure, context: { write: boolean; what: string; origin: string }): OperationError {
  const { write, what, origin } = context;
  const unknown = write && failure.maybeDelivered;
  const maybe = unknown ? ' The change may or may not have happened.' : '';
  const common = { cause: failure, outcomeUnknown: unknown };
  switch (failure.reason) {
    case 'cancelled':
      return cancelled(what, unknown);
    case 'tls':
      return tlsError(failure.cause, origin, DCMGR_TLS);
    case 'timeout':
      return new OperationError('timeout', `${what} failed: ${failure.message} from dcmgr at ${origin}.${maybe}`, {
        ...common,
        next: unknown ? READ_BEFORE_RETRY : 'dcmgr may be busy: try again, or raise the target\'s timeout.',
      });
    case 'protocol':
      return new OperationError('protocol', `dcmgr at ${origin} answered ${what} with something that is not the dcmgr API: ${failure.message}.${maybe}`, {
        ...common,
        next: unknown ? READ_BEFORE_RETRY : 'Check that the target\'s url points at dcmgr itself (stock installs: http://host:9001), not at another service.',
      });
    case 'network':
    case 'server':
      if (unknown) {
        return new OperationError('transport', `${what} failed in transit (${failure.message}).${maybe}`, { ...common, next: READ_BEFORE_RETRY });
      }
      return new OperationError('transport', `${what} failed: no answer from dcmgr at ${origin} (${failure.message}).${write ? ' Nothing was sent.' : ''}`, {
        ...common,
        next: 'Check that dcmgr is up and that the target\'s url is right, then try again.',
      });
  }
}
