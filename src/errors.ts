/**
 * The one error type that crosses layers. Every failure a user can act on becomes an `OperationError`
 * whose message says what failed, and whose `next` says what to do about it. The tool layer turns it
 * into an `isError` result; the CLI turns a startup one into a single line on stderr.
 */

export type ErrorKind =
  /** DSM answered `success: false` (the code and its meaning are in `dsm`). */
  | 'backend'
  /** Login refused: wrong password, disabled account, OTP required or rejected. */
  | 'auth'
  /** The network failed or the server answered 5xx; for a write, the outcome is unknown. */
  | 'transport'
  | 'timeout'
  | 'tls'
  /** The server answered something that is not the DSM protocol. */
  | 'protocol'
  | 'not_found'
  | 'ambiguous'
  | 'invalid_input'
  /** The target is not in a state that allows the call (for example CPU change while running). */
  | 'conflict'
  | 'unsupported'
  /** Refused by policy: read-only, protected VM, destructive denied, confirmation missing or bad. */
  | 'policy'
  | 'cancelled';

export interface DsmErrorDetail {
  code: number;
  api: string;
  method: string;
  meaning: string;
  /** Detail strings DSM sent in `error.errors`, flattened. */
  details: string[];
}

export interface OperationErrorOptions {
  next?: string;
  dsm?: DsmErrorDetail;
  /** For writes that failed in transit: the change may or may not have happened. */
  outcomeUnknown?: boolean;
  cause?: unknown;
}

export class OperationError extends Error {
  override readonly name = 'OperationError';
  readonly kind: ErrorKind;
  readonly next: string | undefined;
  readonly dsm: DsmErrorDetail | undefined;
  readonly outcomeUnknown: boolean;

  constructor(kind: ErrorKind, message: string, options: OperationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.next = options.next;
    this.dsm = options.dsm;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}

export function isOperationError(error: unknown): error is OperationError {
  return error instanceof OperationError;
}
