import { OperationError, type ErrorKind } from '../../../errors.js';

/**
 * Every dcmgr error code this client can meet on the routes it calls, from dcmgr's own error table
 * (`endpoints/errors.rb`): the one source of truth for what a code means and what to do about it.
 * dcmgr answers `{ "error": "<Class>", "message", "code": "<string>" }` with an HTTP status; the
 * decision is made on `code`, because the class string has changed between dcmgr versions.
 */

export interface DcmgrCodeInfo {
  /** dcmgr's class name for the code, for people who read dcmgr's logs. */
  errorClass: string;
  meaning: string;
  kind: ErrorKind;
  next: string;
}

/** 100 "UnknownUUIDResource": no such id, or another account's. */
export const UNKNOWN_RESOURCE = '100';
/** 125 "InvalidInstanceState": dcmgr's message is the instance's current state. */
export const INVALID_INSTANCE_STATE = '125';
/** 143 "InvalidParameter": also an id of the wrong shape ("Invalid UUID Syntax"). */
export const INVALID_PARAMETER = '143';

export const DCMGR_ERRORS: Readonly<Record<string, DcmgrCodeInfo>> = {
  '100': {
    errorClass: 'UnknownUUIDResource',
    meaning: 'No such resource for this account (an unknown id, or one that belongs to another account).',
    kind: 'not_found',
    next: 'list_vms and list_images show what this account can see; check the id and the target\'s account setting.',
  },
  '103': {
    errorClass: 'InvalidRequestCredentials',
    meaning: 'dcmgr refused the account id sent in X-VDC-Account-UUID (malformed).',
    kind: 'auth',
    next: 'Set the target\'s account to a Wakame-VDC account id: a- followed by 8 lowercase letters or digits (e.g. a-shpoolxx).',
  },
  '104': {
    errorClass: 'DisabledAccount',
    meaning: 'The account is disabled in Wakame-VDC.',
    kind: 'auth',
    next: 'Ask the Wakame-VDC administrator to enable the account, or configure the target with another account.',
  },
  '120': {
    errorClass: 'OutOfHostCapacity',
    meaning: 'No host node has enough free CPU cores and memory for the instance.',
    kind: 'backend',
    next: 'Lower vcpus or ram_mb, or delete instances that are no longer needed, then try again.',
  },
  '125': {
    errorClass: 'InvalidInstanceState',
    meaning: 'The instance is not in a state that allows this operation.',
    kind: 'conflict',
    next: 'get_vm shows the instance\'s current state; wait until it settles or bring it into the required state first.',
  },
  '126': {
    errorClass: 'DuplicateHostname',
    meaning: 'Another instance of this account already uses the hostname.',
    kind: 'conflict',
    next: 'Pick another name.',
  },
  '127': {
    errorClass: 'UnknownImage',
    meaning: 'No such machine image.',
    kind: 'not_found',
    next: 'list_images shows the images of this account and the public ones.',
  },
  '137': {
    errorClass: 'InvalidImageID',
    meaning: 'The image id does not name a machine image dcmgr knows.',
    kind: 'invalid_input',
    next: 'list_images shows the images of this account and the public ones; pass one of their ids.',
  },
  '143': {
    errorClass: 'InvalidParameter',
    meaning: 'A parameter was rejected (dcmgr names it in the message).',
    kind: 'invalid_input',
    next: 'Fix the parameter dcmgr names; instance ids look like i-xxxxxxxx and image ids like wmi-xxxxxxxx.',
  },
  '152': {
    errorClass: 'UndefinedImageID',
    meaning: 'No image id was given.',
    kind: 'invalid_input',
    next: 'Pass the image id (wmi-xxxxxxxx); list_images shows them.',
  },
  '153': {
    errorClass: 'UnknownBackupStorage',
    meaning: 'The backup storage configured for this service type does not exist.',
    kind: 'backend',
    next: 'Ask the Wakame-VDC administrator to configure a backup storage for the service type; images cannot be made until then.',
  },
  '162': {
    errorClass: 'ExceedQuotaLimit',
    meaning: 'The account\'s quota for this resource is used up.',
    kind: 'backend',
    next: 'Delete instances or images that are no longer needed, or ask the Wakame-VDC administrator for a larger quota.',
  },
  '182': {
    errorClass: 'InvalidBackupStorage',
    meaning: 'The image\'s backup storage cannot take the job yet.',
    kind: 'conflict',
    next: 'Wait until the image is available (list_images shows its status), then try again.',
  },
};

export interface DcmgrErrorDetail {
  code: string;
  status: number;
  /** The class string dcmgr sent (informational only). */
  errorClass: string;
  /** dcmgr's own message, e.g. the current state for 125. */
  message: string;
  meaning: string;
}

/** An error answer from dcmgr; `dcmgr.code` is what callers decide on. */
export class DcmgrError extends OperationError {
  readonly dcmgr: DcmgrErrorDetail;

  constructor(kind: ErrorKind, message: string, dcmgr: DcmgrErrorDetail, next: string) {
    super(kind, message, { next });
    this.dcmgr = dcmgr;
  }
}

export function isDcmgrError(error: unknown, code?: string): error is DcmgrError {
  return error instanceof DcmgrError && (code === undefined || error.dcmgr.code === code);
}

/** The error body dcmgr sends, or undefined when `body` is not one. */
export function errorBody(body: unknown): { code: string; errorClass: string; message: string } | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const { code, error, message } = body as { code?: unknown; error?: unknown; message?: unknown };
  if ((typeof code !== 'string' && typeof code !== 'number') || typeof error !== 'string') return undefined;
  return { code: String(code), errorClass: error, message: typeof message === 'string' ? message : '' };
}

/** dcmgr prefixes its class names with the Ruby module path; people need only the last part. */
function shortClass(errorClass: string): string {
  return errorClass.split('::').pop() ?? errorClass;
}

export function dcmgrError(what: string, status: number, body: { code: string; errorClass: string; message: string }): DcmgrError {
  const info = DCMGR_ERRORS[body.code];
  const errorClass = shortClass(body.errorClass);
  // A bare class name as the message is what dcmgr sends when it has nothing to add.
  const said = body.message === '' || shortClass(body.message) === errorClass ? '' : `: ${JSON.stringify(body.message)}`;
  const meaning = info?.meaning ?? 'An error code this client does not know.';
  const message =
    info === undefined
      ? `dcmgr answered ${what} with HTTP ${status}, error ${body.code} (${errorClass}), a code this client does not know${said}`
      : `dcmgr answered ${what} with error ${body.code} (${errorClass}: ${meaning})${said}`;
  return new DcmgrError(
    info?.kind ?? 'backend',
    message,
    { code: body.code, status, errorClass, message: body.message, meaning },
    info?.next ?? 'Check dcmgr\'s log for what went wrong.',
  );
}
