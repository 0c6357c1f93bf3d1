import type { OperationError } from '../../../errors.js';
import type { WireFailure } from '../../../http/failure.js';
import { cancelledError, failureError as explainFailure, type FailureWording } from '../../../http/failure-errors.js';

/** A failed exchange with dcmgr as the user reads it: the shared rules (src/http), dcmgr's words. */

const READ_BEFORE_RETRY = 'Read the current state (get_vm or list_images) before trying again.';

const DCMGR_WORDING: FailureWording = {
  server: 'dcmgr',
  readBeforeRetry: READ_BEFORE_RETRY,
  api: 'the dcmgr API',
  busyNext: "dcmgr may be busy: try again, or raise the target's timeout.",
  notTheApiNext: "Check that the target's url points at dcmgr itself (stock installs: http://host:9001), not at another service.",
  unreachableNext: "Check that dcmgr is up and that the target's url is right, then try again.",
  // Stock dcmgr speaks plain http; an https url reaches the TLS proxy a site puts in front of it.
  tls: { server: 'dcmgr', fingerprintSource: "on dcmgr's TLS proxy", httpsPort: "the HTTPS port of dcmgr's TLS proxy" },
};

export function cancelled(what: string, outcomeUnknown = false): OperationError {
  return cancelledError(what, outcomeUnknown, DCMGR_WORDING);
}

export function failureError(failure: WireFailure, context: { write: boolean; what: string; origin: string }): OperationError {
  return explainFailure(failure, context, DCMGR_WORDING);
}
