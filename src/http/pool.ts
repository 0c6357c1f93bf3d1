import type { Dispatcher, Pool } from 'undici';
import { classifyWireError, WireFailure } from './failure.js';
import { createTlsConnector, type TlsPolicy } from './tls.js';

/**
 * One keep-alive connection pool to one origin: sends a prepared request, enforces the timeout and the
 * caller's AbortSignal, and answers the status and body text. It neither encodes, parses, retries nor
 * interprets; every failure comes out as a `WireFailure`.
 */

export interface HttpPoolOptions {
  /** e.g. https://nas.local:5001. */
  origin: string;
  /** How failures name the server: "DSM", "dcmgr". */
  server: string;
  timeoutMs: number;
  /** Our own certificate checks for an https origin; without them undici verifies against the system roots. */
  tls?: TlsPolicy;
}

/** A request as the caller's protocol built it, ready for undici. */
export type HttpRequest = Omit<Dispatcher.RequestOptions, 'origin' | 'signal'>;

export interface HttpAnswer {
  status: number;
  text: string;
}

const MAX_CONNECTIONS = 8;

export class HttpPool {
  readonly origin: string;
  private readonly server: string;
  private readonly timeoutMs: number;
  private readonly tls: TlsPolicy | undefined;
  /** Made on the first request: importing undici is a large part of the server's start-up time. */
  private pool: Promise<Pool> | undefined;
  private closing: Promise<void> | undefined;

  constructor(options: HttpPoolOptions) {
    this.origin = options.origin;
    this.server = options.server;
    this.timeoutMs = options.timeoutMs;
    this.tls = options.tls;
  }

  /** `timeoutMs` overrides the pool's timeout for this request. */
  async send(request: HttpRequest, signal: AbortSignal | undefined, timeoutMs = this.timeoutMs): Promise<HttpAnswer> {
    if (signal?.aborted) throw new WireFailure('cancelled', false, 'cancelled before sending');
    const controller = new AbortController();
    let stoppedBy: 'timeout' | 'cancelled' | undefined;
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
      const response = await pool.request({ ...request, signal: controller.signal });
      return { status: response.statusCode, text: await response.body.text() };
    } catch (error) {
      if (error instanceof WireFailure) throw error;
      if (stoppedBy === 'timeout') throw new WireFailure('timeout', true, `no answer within ${timeoutMs} ms`, { cause: error });
      if (stoppedBy === 'cancelled') throw new WireFailure('cancelled', true, `cancelled while waiting for ${this.server}`, { cause: error });
      throw classifyWireError(error);
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
    if (this.closing !== undefined) throw new WireFailure('network', false, `the connection pool to ${this.server} is closed`);
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
}
