import { OperationError } from '../../../errors.js';
import { cancelled, READ_BEFORE_RETRY } from './abort.js';
import type { WireFailure } from '../../../http/failure.js';
import { tlsError, type TlsWording } from '../../../http/tls-errors.js';

const DSM_TLS: TlsWording = { server: 'DSM', fingerprintSource: 'in DSM', httpsPort: 'the HTTPS port of DSM (usually 5001)' };

/**
 * Turns a failed exchange into the error a user reads. The one rule that matters: a write that may
 * have reached DSM is never reported as simply failed, because it may have happened; the user is told
 * to read the current state before trying again.
 */
export function failureError(failure: WireFailure, context: { write: boolean; what: string; origin: string }): OperationError {
  const { write, what, origin } = context;
  const unknown = write && failure.maybeDelivered;
  const maybe = unknown ? ' The change may or may not have happened.' : '';
  const common = { cause: failure, outcomeUnknown: unknown };
  switch (failure.reason) {
    case 'tls':
      return tlsError(failure.cause, origin, DSM_TLS);
    case 'cancelled':
      return cancelled(what, unknown);
    case 'timeout':
      return new OperationError('timeout', `${what} failed: ${failure.message} from DSM at ${origin}.${maybe}`, {
        ...common,
        next: unknown ? READ_BEFORE_RETRY : 'DSM may be busy: try again, or raise VMM_TIMEOUT_MS.',
      });
    case 'protocol':
      return new OperationError(
        'protocol',
        `DSM at ${origin} answered ${what} with something that is not the DSM Web API: ${failure.message}.${maybe}`,
        {
          ...common,
          next: unknown
            ? READ_BEFORE_RETRY
            : 'Check that VMM_URL points at DSM itself (for example https://nas.local:5001), not at another service.',
        },
      );
    case 'network':
    case 'server':
      if (unknown) {
        return new OperationError('transport', `${what} failed in transit (${failure.message}).${maybe}`, {
          ...common,
          next: READ_BEFORE_RETRY,
        });
      }
      return new OperationError(
        'transport',
        `${what} failed: no answer from DSM at ${origin} (${failure.message}).${write ? ' Nothing was sent.' : ''}`,
        { ...common, next: 'Check that DSM is up and that VMM_URL is right, then try again.' },
      );
  }
}
