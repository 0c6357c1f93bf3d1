import { WireFailure } from '../../../http/failure.js';
import { HttpPool, type HttpRequest } from '../../../http/pool.js';
import { tlsPolicy, type TlsSettings } from '../../../http/tls.js';
import type { Logger } from '../../../log.js';

/**
 * One HTTP exchange with dcmgr: builds the request under `/api/12.03` with the account header and
 * parses the JSON body; the shared pool (src/http) does the timeout, cancellation and TLS. It neither
 * retries nor interprets dcmgr's error codes; failures come out as a `WireFailure` saying what went
 * wrong and whether dcmgr may have seen the request.
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

/** Where the API lives below the configured URL (dcmgr mounts 12.03 there; stock installs listen on 9001). */
export const API_BASE = '/api/12.03';

export interface DcmgrTransportOptions {
  url: string;
  timeoutMs: number;
  /** Sent as X-VDC-Account-UUID on every request; absent for an admin target (dcmgr then scopes nothing). */
  account: string | undefined;
  /** Certificate checks; used only when the url is https. */
  tls: TlsSettings;
  logger: Logger;
}

export class DcmgrTransport {
  readonly origin: string;
  private readonly basePath: string;
  private readonly account: string | undefined;
  private readonly http: HttpPool;

  constructor(options: DcmgrTransportOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.basePath = `${url.pathname.replace(/\/+$/, '')}${API_BASE}`;
    this.account = options.account;
    this.http = new HttpPool({
      origin: url.origin,
      server: 'dcmgr',
      timeoutMs: options.timeoutMs,
      ...(url.protocol === 'https:' ? { tls: tlsPolicy(options.tls, options.logger, 'act as the Wakame-VDC account') } : {}),
    });
  }

  async send(request: DcmgrRequest, signal: AbortSignal | undefined): Promise<DcmgrAnswer> {
    const answer = await this.http.send(this.prepare(request), signal);
    return parseAnswer(answer.status, answer.text, `${request.method} ${request.path}`);
  }

  /** Idempotent. */
  close(): Promise<void> {
    return this.http.close();
  }

  private prepare(request: DcmgrRequest): HttpRequest {
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
    if (status >= 500) throw new WireFailure('server', true, `HTTP ${status} from ${what}`, { cause: error });
    const start = JSON.stringify(text.slice(0, 40));
    throw new WireFailure('protocol', true, `HTTP ${status} from ${what} is not JSON (starts with ${start})`, { cause: error });
  }
  const isError = typeof body === 'object' && body !== null && 'code' in body && 'error' in body;
  if (status >= 500 && !isError) throw new WireFailure('server', true, `HTTP ${status} from ${what}`);
  return { status, body };
}
