/**
 * An error answer as dcmgr renders one: `{ "error": "<Class>", "message", "code" }` with the HTTP
 * status, from dcmgr's error table (`endpoints/errors.rb`). Only the codes the simulated routes raise.
 */

const ERRORS = {
  UnknownUUIDResource: { status: 404, code: '100' },
  InvalidRequestCredentials: { status: 400, code: '103' },
  DisabledAccount: { status: 403, code: '104' },
  OutOfHostCapacity: { status: 400, code: '120' },
  InvalidInstanceState: { status: 400, code: '125' },
  DuplicateHostname: { status: 400, code: '126' },
  UnknownImage: { status: 404, code: '127' },
  InvalidImageID: { status: 400, code: '137' },
  InvalidParameter: { status: 400, code: '143' },
  UndefinedImageID: { status: 404, code: '152' },
  UnknownBackupStorage: { status: 404, code: '153' },
  ExceedQuotaLimit: { status: 400, code: '162' },
  InvalidBackupStorage: { status: 400, code: '182' },
} as const;

export type DcmgrErrorName = keyof typeof ERRORS;

const MODULE = 'Dcmgr::Endpoints::Errors::';

export class DcmgrFailure extends Error {
  readonly status: number;
  readonly code: string;

  /** Without a message, Ruby's exception message is the class name, and so is dcmgr's. */
  constructor(readonly errorName: DcmgrErrorName, message?: string) {
    super(message ?? `${MODULE}${errorName}`);
    this.status = ERRORS[errorName].status;
    this.code = ERRORS[errorName].code;
  }

  body(): { error: string; message: string; code: string } {
    return { error: `${MODULE}${this.errorName}`, message: this.message, code: this.code };
  }
}

/** What dcmgr's own crash looks like (a Ruby exception outside its error table): Sinatra's HTML 500. */
export class SimulatorCrash extends Error {
  override readonly name = 'SimulatorCrash';
}
