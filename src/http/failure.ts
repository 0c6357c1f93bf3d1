import { isTlsFailure } from './tls.js';

/**
 * What can go wrong in one HTTP exchange, said once for every provider's client: the reason, and whether
 * the server may have seen the request. That second fact is what lets a caller tell a write that was
 * never sent from one whose outcome is unknown.
 */

export type WireFailureReason =
  /** Connection refused, reset or closed. */
  | 'network'
  /** HTTP 5xx. */
  | 'server'
  | 'timeout'
  | 'cancelled'
  | 'tls'
  /** An answer that is not the API's (wrong status, HTML, malformed JSON). */
  | 'protocol';

export class WireFailure extends Error {
  override readonly name = 'WireFailure';
  constructor(
    readonly reason: WireFailureReason,
    /** False only when the request certainly never reached the server (refused connection, refused certificate). */
    readonly maybeDelivered: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Errors that happen before any byte of the request is written. */
const NOT_DELIVERED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/** undici's answer to a request it could not even build: a client bug, not a network problem. */
const CLIENT_BUG_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the codes.
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  const nested = (first as { code?: unknown } | undefined)?.code;
  return typeof nested === 'string' ? nested : undefined;
}

/** The failure an undici error stands for; a client bug is thrown again as it is. */
export function classifyWireError(error: unknown): WireFailure {
  const message = error instanceof Error ? error.message : String(error);
  if (isTlsFailure(error)) return new WireFailure('tls', false, message || 'TLS failure', { cause: error });
  const code = errorCode(error);
  if (code !== undefined && CLIENT_BUG_CODES.has(code)) throw error;
  const detail = code === undefined || message.includes(code) ? message || code || 'network error' : `${code}: ${message}`;
  return new WireFailure('network', code === undefined || !NOT_DELIVERED_CODES.has(code), detail, { cause: error });
}
