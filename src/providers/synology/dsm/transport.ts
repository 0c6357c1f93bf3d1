import { WireFailure } from '../../../http/failure.js';
import { HttpPool, type HttpRequest } from '../../../http/pool.js';
import { tlsPolicy, type TlsSettings } from '../../../http/tls.js';
import type { Logger } from '../../../log.js';
import { parseDeferring } from '../../../text/json-deferred.js';
import { encodeForm, type WireValue } from './encoding.js';

/**
 * One HTTP exchange with DSM: encodes the request as the Web API wants it (query string or form body,
 * the SynoToken header) and parses the JSON envelope; the shared pool (src/http) does the timeout,
 * cancellation and TLS. It does not retry or interpret DSM codes; failures come out as a `WireFailure`
 * saying what went wrong and whether DSM may have seen the request.
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
  deferList?: DeferredList;
}

/**
 * A list in the answer's `data` of which the caller reads a few elements: it comes back unparsed, as a
 * DeferredArray (src/text/json-deferred.ts) with the members named in `fields` of each element at hand.
 */
export interface DeferredList {
  list: string;
  fields: readonly string[];
}

export type DsmEnvelope =
  | { success: true; data: unknown }
  | { success: false; error: { code: number; errors: unknown } };

export interface TransportOptions {
  url: string;
  timeoutMs: number;
  tls: TlsSettings;
  logger: Logger;
}

export class DsmTransport {
  readonly origin: string;
  private readonly basePath: string;
  private readonly http: HttpPool;

  constructor(options: TransportOptions) {
    const url = new URL(options.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.http = new HttpPool({
      origin: url.origin,
      server: 'DSM',
      timeoutMs: options.timeoutMs,
      ...(url.protocol === 'https:' ? { tls: tlsPolicy(options.tls, options.logger, 'read the DSM password') } : {}),
    });
  }

  async send(request: WireRequest, signal: AbortSignal | undefined): Promise<DsmEnvelope> {
    const answer = await this.http.send(this.prepare(request), signal, request.timeoutMs);
    return parseEnvelope(answer.status, answer.text, request);
  }

  /** Idempotent. */
  close(): Promise<void> {
    return this.http.close();
  }

  /** Encodes before anything is sent, so that a bad parameter is the caller's error, not a network one. */
  private prepare(request: WireRequest): HttpRequest {
    const form = encodeForm(request.params);
    const path = `${this.basePath}/webapi/${request.path}`;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (request.synoToken !== undefined) headers['x-syno-token'] = request.synoToken;
    if (request.httpMethod === 'GET') return { method: 'GET', path: `${path}?${form}`, headers };
    headers['content-type'] = 'application/x-www-form-urlencoded; charset=utf-8';
    return { method: 'POST', path, headers, body: form };
  }
}

function parseEnvelope(statusCode: number, text: string, { path, deferList }: WireRequest): DsmEnvelope {
  if (statusCode >= 500) throw new WireFailure('server', true, `HTTP ${statusCode} from /webapi/${path}`);
  if (statusCode !== 200) throw new WireFailure('protocol', true, `HTTP ${statusCode} from /webapi/${path}`);
  let body: unknown;
  try {
    body = deferList === undefined ? JSON.parse(text) : parseDeferring(text, ['data', deferList.list], deferList.fields);
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
