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

/**
 * What a backend refusal means in neutral terms, set by each provider's adapter from its own codes, so
 * the operations layer can act on it without knowing any provider (DSM 904 and an OpenStack "vm_state
 * active" conflict are both `vm_running`).
 */
export type ErrorReason =
  /** The VM is running: a power-on found it already up; a change or delete needs it stopped first. */
  | 'vm_running'
  /** The VM is stopped: a stop (or reboot) found it already down. */
  | 'vm_stopped'
  /** The backend does not know the task: never existed, or finished and cleaned up. */
  | 'task_not_found'
  | 'insufficient_memory'
  | 'insufficient_cpu';

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
  reason?: ErrorReason;
  cause?: unknown;
}

export class OperationError extends Error {
  override readonly name = 'OperationError';
  readonly kind: ErrorKind;
  readonly next: string | undefined;
  readonly dsm: DsmErrorDetail | undefined;
  readonly outcomeUnknown: boolean;
  readonly reason: ErrorReason | undefined;

  constructor(kind: ErrorKind, message: string, options: OperationErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = kind;
    this.next = options.next;
    this.dsm = options.dsm;
    this.outcomeUnknown = options.outcomeUnknown ?? false;
    this.reason = options.reason;
  }
}

/** The same failure with its neutral meaning attached (an adapter learns the meaning after the wire client built the error). */
export function withReason(error: OperationError, reason: ErrorReason): OperationError {
  return new OperationError(error.kind, error.message, {
    reason,
    outcomeUnknown: error.outcomeUnknown,
    ...(error.next === undefined ? {} : { next: error.next }),
    ...(error.dsm === undefined ? {} : { dsm: error.dsm }),
    ...(error.cause === undefined ? {} : { cause: error.cause }),
  });
}

/** The neutral reason of a backend refusal, if the adapter named one. */
export function reasonOf(error: unknown): ErrorReason | undefined {
  return isOperationError(error) ? error.reason : undefined;
}

export function isOperationError(error: unknown): error is OperationError {
  return error instanceof OperationError;
}
