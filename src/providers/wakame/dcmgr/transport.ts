import type { Dispatcher, Pool } from 'undici';
import { isTlsFailure } from './tls.js';

/**
 * One HTTP exchange with dcmgr over a keep-alive pool: builds the request under `/api/12.03`, sends
 * the account header, enforces the timeout and the caller's AbortSignal, and parses the JSON body.
 * It neither retries nor interprets dcmgr's error codes; failures come out as a `DcmgrWireFailure`
 * saying what went wrong and whether dcmgr may have seen the request.
 */

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

export type WireParams = Readonly<Record<string, string | number | boolean | undefined>>;

export interface DcmgrRequest {
  method: HttpMethod;
  /** Below the API base, e.g. `/instances/i-abcd1234/start`. */
  path: string;
  /** Sent in the query string for GET and DELETE, as a form body otherwise. */
  params?: WireParams;
}

/** A JSON answer with its HTTP status; dcmgr answers errors as JSON with 4xx as well. */
export interface DcmgrAnswer {
  status: number;
  body: unknown;
}

export type WireFailureReason = 'network' | 'server' | 'timeout' | 'cancelled' | 'protocol' | 'tls';

export class DcmgrWireFailure extends Error {
  override readonly name = 'DcmgrWireFailure';
  constructor(
    readonly reason: WireFailureReason,
    /** False only when the request certainly never reached dcmgr (refused connection, refused certificate). */
    readonly maybeDelivered: boolean,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** Where the API lives below the configured URL (dcmgr mounts 12.03 there; stock installs listen on 9001). */
export const API_BASE = '/api/12.03';

const NOT_DELIVERED_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);
const CLIENT_BUG_CODES = new Set(['UND_ERR_INVALID_ARG', 'UND_ERR_NOT_SUPPORTED']);
const MAX_CONNECTIONS = 8;

export interface DcmgrTransportOptions {
  url: string;
  timeoutMs: number;
  /** Sent as X-VDC-Account-UUID on every request; absent for an admin target (dcmgr then scopes nothing). */
  account: string | undefined;
  /** An undici connector for https targets (certificate checks), when the caller has one. */
  connect?: () => Promise<Pool.Options['connect']>;
}

export class DcmgrTransport {
  readonly origin: string;
  private readonly basePath: string;
  private readonly timeoutMs: number;
  private readonly account: string | undefined;
  private readonly connect: (() => Promise<Pool.Options['connect']>) | undefined;
  /** Made on the first request, so that importing undici does not slow the server's start. */
  private pool: Promise<Pool> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: DcmgrTransportOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.basePath = `${url.pathname.replace(/\/+$/, '')}${API_BASE}`;
    this.timeoutMs = options.timeoutMs;
    this.account = options.account;
    this.connect = options.connect;
  }

  async send(request: DcmgrRequest, signal: AbortSignal | undefined): Promise<DcmgrAnswer> {
    if (signal?.aborted) throw new DcmgrWireFailure('cancelled', false, 'cancelled before sending');
    const prepared = this.prepare(request);
    const controller = new AbortController();
    let stoppedBy: 'timeout' | 'cancelled' | undefined;
    const timer = setTimeout(() => {
      stoppedBy = 'timeout';
      controller.abort();
    }, this.timeoutMs);
    const onAbort = (): void => {
      stoppedBy ??= 'cancelled';
      controller.abort();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const pool = await this.openPool();
      const response = await pool.request({ ...prepared, signal: controller.signal });
      const text = await response.body.text();
      return parseAnswer(response.statusCode, text, `${request.method} ${request.path}`);
    } catch (error) {
      if (error instanceof DcmgrWireFailure) throw error;
      if (stoppedBy === 'timeout') throw new DcmgrWireFailure('timeout', true, `no answer within ${this.timeoutMs} ms`, { cause: error });
      if (stoppedBy === 'cancelled') throw new DcmgrWireFailure('cancelled', true, 'cancelled while waiting for dcmgr', { cause: error });
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
    if (this.closing !== undefined) throw new DcmgrWireFailure('network', false, 'the connection pool to dcmgr is closed');
    this.pool ??= (async () => {
      const { Pool } = await import('undici');
      const connect = this.connect === undefined ? undefined : await this.connect();
      return new Pool(this.origin, {
        connections: MAX_CONNECTIONS,
        headersTimeout: 0,
        bodyTimeout: 0,
        ...(connect === undefined ? {} : { connect }),
      });
    })();
    return this.pool;
  }

  private prepare(request: DcmgrRequest): Dispatcher.RequestOptions {
    const form = encodeParams(request.params ?? {});
    const path = `${this.basePath}${request.path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.account !== undefined) headers['x-vdc-account-uuid'] = this.account;
    if (request.method === 'GET' || request.method === 'DELETE') {
      return { method: request.method, path: form === '' ? path : `${path}?${form}`, headers };
    }
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    return { method: request.method, path, headers, body: form };
  }
}

function encodeParams(params: WireParams): string {
  const form = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined) form.append(key, String(value));
  }
  return form.toString();
}

function parseAnswer(status: number, text: string, what: string): DcmgrAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    // A proxy's HTML 502 page, or a crash inside dcmgr, is a server failure; anything else is not dcmgr.
    if (status >= 500) throw new DcmgrWireFailure('server', true, `HTTP ${status} from ${what}`, { cause: error });
    const start = JSON.stringify(text.slice(0, 40));
    throw new DcmgrWireFailure('protocol', true, `HTTP ${status} from ${what} is not JSON (starts with ${start})`, { cause: error });
  }
  const isError = typeof body === 'object' && body !== null && 'code' in body && 'error' in body;
  if (status >= 500 && !isError) throw new DcmgrWireFailure('server', true, `HTTP ${status} from ${what}`);
  return { status, body };
}

function errorCode(error: unknown): string | undefined {
  const direct = (error as { code?: unknown } | null)?.code;
  if (typeof direct === 'string') return direct;
  // Node's happy-eyeballs connect reports an AggregateError whose members carry the codes.
  const first = (error as { errors?: unknown[] } | null)?.errors?.[0];
  const nested = (first as { code?: unknown } | undefined)?.code;
  return typeof nested === 'string' ? nested : undefined;
}

function classify(error: unknown): DcmgrWireFailure {
  if (isTlsFailure(error)) return new DcmgrWireFailure('tls', false, error instanceof Error ? error.message : String(error), { cause: error });
  const code = errorCode(error);
  if (code !== undefined && CLIENT_BUG_CODES.has(code)) throw error;
  const message = error instanceof Error ? error.message : String(error);
  const detail = code === undefined || message.includes(code) ? message || code || 'network error' : `${code}: ${message}`;
  return new DcmgrWireFailure('network', code === undefined || !NOT_DELIVERED_CODES.has(code), detail, { cause: error });
}
