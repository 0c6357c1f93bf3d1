import type { Dispatcher, Pool } from 'undici';
import type { Logger } from '../../../log.js';
import { encodeForm, type WireValue } from './encoding.js';
import { createTlsConnector, isTlsFailure, tlsPolicy, type TlsPolicy, type TlsSettings } from './tls.js';

/**
 * One HTTP exchange with DSM over a keep-alive pool: encodes the request, enforces the timeout and
 * the caller's AbortSignal, and parses the JSON envelope. It does not retry or interpret DSM codes;
 * failures come out as a `WireFailure` saying what went wrong and whether DSM may have seen the request.
 */

export interface WireRequest {
  /** The CGI under /webapi, e.g. `entry.cgi`. */
  path: string;
  /** Reads go as GET with a query string (as in the guide), writes and logins as POST form bodies. */
  httpMethod: 'GET' | 'POST';
  params: Readonly<Record<string, WireValue>>;
  synoToken?: string;
  /** Overrides the transport's timeout for this request. */
  timeoutMs?: number;
}

export type DsmEnvelope =
  | { success: true; data: unknown }
  | { success: false; error: { code: number; errors: unknown } };

export type WireFailureReason =
  /** Connection refused, reset or closed. */
  | 'network'
  /** HTTP 5xx. */
  | 'server'
  | 'timeout'
  | 'cancelled'
  | 'tls'
  /** An answer that is not DSM's JSON envelope (wrong status, HTML, malformed JSON). */
  | 'protocol';

export class WireFailure extends Error {
  override readonly name = 'WireFailure';
  constructor(
    readonly reason: WireFailureReason,
    /** False only when the request certainly never reached DSM (refused connection, TLS refusal). */
    readonly maybeDelivered: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Errors that happen before any byte of the request is written. */
const NOT_DELIVERED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

const MAX_CONNECTIONS = 8;

export interface TransportOptions {
  url: string;
  timeoutMs: number;
  tls: TlsSettings;
  logger: Logger;
}

export class DsmTransport {
  readonly origin: string;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  /** Undefined for plain http. */
  private readonly tls: TlsPolicy | undefined;
  /** Made on the first request: importing undici is a large part of the server's start-up time. */
  private pool: Promise<Pool> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: TransportOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs;
    this.tls = url.protocol === 'https:' ? tlsPolicy(options.tls, options.logger) : undefined;
  }

  async send(request: WireRequest, signal: AbortSignal | undefined): Promise<DsmEnvelope> {
    if (signal?.aborted) throw new WireFailure('cancelled', false, 'cancelled before sending');
    const prepared = this.prepare(request);
    const controller = new AbortController();
    let stoppedBy: 'timeout' | 'cancelled' | undefined;
    const timeoutMs = request.timeoutMs ?? this.timeoutMs;
    const timer = setTimeout(() => {
      stoppedBy = 'timeout';
      controller.abort();
    }, timeoutMs);
    const onAbort = (): void => {
      stoppedBy ??= 'cancelled';
      controller.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const pool = await this.openPool();
      const response = await pool.request({ ...prepared, signal: controller.signal });
      const text = await response.body.text();
      return parseEnvelope(response.statusCode, text, request.path);
    } catch (error) {
      if (error instanceof WireFailure) throw error;
      if (stoppedBy === 'timeout') throw new WireFailure('timeout', true, `no answer within ${timeoutMs} ms`, { cause: error });
      if (stoppedBy === 'cancelled') throw new WireFailure('cancelled', true, 'cancelled while waiting for DSM', { cause: error });
      throw classify(error);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Idempotent. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      const pool = this.pool;
      if (pool !== undefined) await (await pool).close();
    })();
    return this.closing;
  }

  private openPool(): Promise<Pool> {
    if (this.closing !== undefined) throw new WireFailure('network', false, 'the connection pool to DSM is closed');
    this.pool ??= (async () => {
      const { Pool } = await import('undici');
      const connect = this.tls === undefined ? undefined : await createTlsConnector(this.tls);
      return new Pool(this.origin, {
        connections: MAX_CONNECTIONS,
        // The overall per-request timeout covers headers and body; undici's own would cap it at 300 s.
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(connect === undefined ? {} : { connect }),
      });
    })();
    return this.pool;
  }

  /** Encodes before anything is sent, so that a bad parameter is the caller's error, not a network one. */
  private prepare(request: WireRequest): Dispatcher.RequestOptions {
    const form = encodeForm(request.params);
    const path = `${this.basePath}/webapi/${request.path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.synoToken !== undefined) headers['x-syno-token'] = request.synoToken;
    if (request.httpMethod === 'GET') return { method: 'GET', path: `${path}?${form}`, headers };
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    return { method: 'POST', path, headers, body: form };
  }
}

function parseEnvelope(statusCode: number, text: string, path: string): DsmEnvelope {
  if (statusCode >= 500) throw new WireFailure('server', true, `HTTP ${statusCode} from /webapi/${path}`);
  if (statusCode !== 200) throw new WireFailure('protocol', true, `HTTP ${statusCode} from /webapi/${path}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    const start = JSON.stringify(text.slice(0, 40));
    throw new WireFailure('protocol', true, `the answer from /webapi/${path} is not JSON (starts with ${start})`, { cause: error });
  }
  if (typeof body !== 'object' || body === null || typeof (body as { success?: unknown }).success !== 'boolean') {
    throw new WireFailure('protocol', true, `the answer from /webapi/${path} has no boolean "success" field`);
  }
  const envelope = body as { success: boolean; data?: unknown; error?: unknown };
  if (envelope.success) return { success: true, data: envelope.data };
  const code = (envelope.error as { code?: unknown } | undefined)?.code;
  if (typeof code !== 'number') {
    throw new WireFailure('protocol', true, `the failure answer from /webapi/${path} has no numeric error code`);
  }
  return { success: false, error: { code, errors: (envelope.error as { errors?: unknown }).errors } };
}

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the codes.
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  const nested = (first as { code?: unknown } | undefined)?.code;
  return typeof nested === 'string' ? nested : undefined;
}

/** undici's answer to a request it could not even build: a client bug, not a network problem. */
const CLIENT_BUG_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);

function classify(error: unknown): WireFailure {
  if (isTlsFailure(error)) return new WireFailure('tls', false, 'TLS failure', { cause: error });
  const code = errorCode(error);
  if (code !== undefined && CLIENT_BUG_CODES.has(code)) throw error;
  const message = error instanceof Error ? error.message : String(error);
  const detail = code === undefined || message.includes(code) ? message || code || 'network error' : `${code}: ${message}`;
  return new WireFailure('network', code === undefined || !NOT_DELIVERED_CODES.has(code), detail, { cause: error });
}
