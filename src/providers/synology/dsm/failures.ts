import type { OperationError } from '../../../errors.js';
import type { WireFailure } from '../../../http/failure.js';
import { failureError as explainFailure, type FailureWording } from '../../../http/failure-errors.js';
import { DSM_CANCEL } from './abort.js';

/** A failed exchange with DSM as the user reads it: the shared rules (src/http), DSM's words. */

const DSM_WORDING: FailureWording = {
  ...DSM_CANCEL,
  api: 'the DSM Web API',
  busyNext: 'DSM may be busy: try again, or raise VMM_TIMEOUT_MS.',
  notTheApiNext: 'Check that VMM_URL points at DSM itself (for example https://nas.local:5001), not at another service.',
  unreachableNext: 'Check that DSM is up and that VMM_URL is right, then try again.',
  tls: { server: 'DSM', fingerprintSource: 'in DSM', httpsPort: 'the HTTPS port of DSM (usually 5001)' },
};

export function failureError(failure: WireFailure, context: { write: boolean; what: string; origin: string }): OperationError {
  return explainFailure(failure, context, DSM_WORDING);
}
