import { OperationError } from '../../../errors.js';
import { WireFailure } from '../../../http/failure.js';
import type { TlsSettings } from '../../../http/tls.js';
import { silentLogger, type Logger } from '../../../log.js';
import { awaitWithSignal, sleep, throwIfAborted } from './abort.js';
import {
  assumedApi,
  chooseVersion,
  DISCOVERY_PARAMS,
  DISCOVERY_PATH,
  GUIDE_AUTH,
  guideApiMap,
  MAX_AUTH_VERSION,
  parseApiMap,
  type ApiInfo,
} from './discovery.js';
import { AUTH_API, dsmError, SESSION_EXPIRED_CODES } from './error-codes.js';
import { DsmSession, type LiveSession } from './session.js';
import { failureError } from './failures.js';
import { DsmTransport, type DeferredList, type DsmEnvelope, type WireRequest } from './transport.js';

/**
 * The DSM Web API client: discovery, one shared session with transparent re-login, retries for reads
 * only, and errors a user can act on. Callers name the API, the method, the parameters and whether
 * the call changes anything; the client does the rest and returns DSM's `data`.
 */

export type { ApiInfo } from './discovery.js';

export interface DsmClientOptions {
  url: string;
  username: string;
  password: string;
  /** Base32 TOTP secret (RFC 6238, SHA-1, 6 digits, 30 s). */
  otpSecret?: string;
  /** DSM device token that skips the OTP. */
  deviceId?: string;
  /** Default: unique per process. */
  sessionName?: string;
  /** Per request (default 30000). */
  timeoutMs?: number;
  tls?: TlsSettings;
  /** Default 2 (reads only; writes are never retried). */
  readRetries?: number;
  logger?: Logger;
}

export type DsmParams = Record<string, string | number | boolean | null | undefined | object>;

/** A write is never repeated after a network failure: DSM may have done it already. */
export type CallKind = 'read' | 'write';

export interface CallOptions {
  kind: CallKind;
  signal?: AbortSignal;
  /** The highest version of `api` this call speaks (default 1); the client uses min(this, what DSM offers). */
  version?: number;
  deferList?: DeferredList;
}

export interface DsmClientStats {
  logins: number;
  /** HTTP requests sent, including discovery, logins, logouts and retries. */
  requests: number;
  /** Requests repeated after a network failure or HTTP 5xx (reads), or after a re-login. */
  retries: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;
const DEFAULT_READ_RETRIES = 2;
const BACKOFF_BASE_MS = 100;
const BACKOFF_MAX_MS = 2_000;
/** After a failed discovery the guide's layout is assumed for this long, then SYNO.API.Info is asked again. */
const GUESSED_LAYOUT_TTL_MS = 60_000;
const DISCOVERY = 'API discovery (SYNO.API.Info)';

interface Discovery {
  map: ReadonlyMap<string, ApiInfo>;
  /** True when SYNO.API.Info failed and the map is the guide's layout. */
  guessed: boolean;
}

export class DsmClient {
  private readonly transport: DsmTransport;
  private readonly session: DsmSession;
  private readonly logger: Logger;
  private readonly readRetries: number;
  private discovery: { promise: Promise<Discovery>; expiresAt: number } | undefined;
  private requests = 0;
  private retries = 0;
  private closing: Promise<void> | undefined;

  constructor(options: DsmClientOptions) {
    this.logger = options.logger ?? silentLogger;
    this.readRetries = nonNegativeInteger('readRetries', options.readRetries ?? DEFAULT_READ_RETRIES);
    this.transport = new DsmTransport({
      url: parseUrl(options.url),
      timeoutMs: positive('timeoutMs', options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      tls: options.tls ?? {},
      logger: this.logger,
    });
    this.session = new DsmSession(
      {
        username: options.username,
        password: options.password,
        ...(options.otpSecret === undefined ? {} : { otpSecret: options.otpSecret }),
        ...(options.deviceId === undefined ? {} : { deviceId: options.deviceId }),
        ...(options.sessionName === undefined ? {} : { sessionName: options.sessionName }),
      },
      {
        authEndpoint: () => this.authEndpoint(),
        // Logins may be repeated like reads: a lost login answer leaves at most an unused session behind.
        post: (path, params, what, extra = {}) =>
          this.exchange({ path, httpMethod: 'POST', params, ...extra }, 'read', what, undefined),
      },
      this.logger,
    );
  }

  get stats(): DsmClientStats {
    return { logins: this.session.logins, requests: this.requests, retries: this.retries };
  }

  get sessionLive(): boolean {
    return this.closing === undefined && this.session.live;
  }

  /** Every API DSM offers, from SYNO.API.Info; cached, and shared by concurrent callers. */
  async discover(signal?: AbortSignal): Promise<ReadonlyMap<string, ApiInfo>> {
    return (await this.discoverApis(signal)).map;
  }

  async hasApi(name: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.discover(signal)).has(name);
  }

  /** Calls `api`/`method` and returns DSM's `data`. */
  async call<T = unknown>(api: string, method: string, params: DsmParams, options: CallOptions): Promise<T> {
    const what = `${api} ${method}`;
    this.assertOpen(what);
    throwIfAborted(options.signal, what);
    const { map, guessed } = await this.discoverApis(options.signal);
    const info = map.get(api) ?? (guessed ? assumedApi(api) : undefined);
    if (info === undefined) {
      throw new OperationError('unsupported', `This DSM does not offer ${api}.`, {
        next: 'Check that Virtual Machine Manager is installed and running, and that its version supports this operation.',
      });
    }
    const version = chooseVersion(api, info, options.version ?? 1);
    let session = await this.session.acquire(options.signal);
    let renewed = false;
    for (;;) {
      const request = this.request(info.path, options, { ...params, api, version, method }, session);
      const envelope = await this.exchange(request, options.kind, what, options.signal);
      if (envelope.success) return envelope.data as T;
      const { code, errors } = envelope.error;
      // An expired session means DSM did nothing, so even a write is safe to repeat once with a new sid.
      if (SESSION_EXPIRED_CODES.has(code) && !renewed) {
        renewed = true;
        this.retries += 1;
        session = await this.session.renew(session, options.signal);
        continue;
      }
      throw dsmError(code, api, method, errors);
    }
  }

  /** Logs out (if logged in) and closes the connection pool; later calls fail. Idempotent. */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    try {
      await this.session.logout();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      this.logger.warning(`Logout from DSM failed; the session ends when DSM expires it. ${reason}`);
    }
    await this.transport.close();
  }

  private assertOpen(what: string): void {
    if (this.closing !== undefined) {
      throw new OperationError('cancelled', `${what} was not sent: the DSM client is closed.`);
    }
  }

  private request(path: string, { kind, deferList }: CallOptions, params: DsmParams, session: LiveSession): WireRequest {
    return {
      path,
      httpMethod: kind === 'read' ? 'GET' : 'POST',
      params: { ...params, _sid: session.sid },
      ...(session.synoToken === undefined ? {} : { synoToken: session.synoToken }),
      ...(deferList === undefined ? {} : { deferList }),
    };
  }

  private discoverApis(signal: AbortSignal | undefined): Promise<Discovery> {
    this.assertOpen(DISCOVERY);
    if (this.discovery === undefined || Date.now() >= this.discovery.expiresAt) {
      const entry = { promise: this.queryApis(), expiresAt: Number.POSITIVE_INFINITY };
      this.discovery = entry;
      entry.promise.then(
        (result) => {
          if (result.guessed) entry.expiresAt = Date.now() + GUESSED_LAYOUT_TTL_MS;
        },
        () => {
          if (this.discovery === entry) this.discovery = undefined;
        },
      );
    }
    return awaitWithSignal(this.discovery.promise, signal, DISCOVERY);
  }

  /**
   * SYNO.API.Info, or the guide's layout when DSM answers it with something unusable. A network,
   * TLS or timeout failure is not a reason to guess: the next request would fail the same way.
   */
  private async queryApis(): Promise<Discovery> {
    let reason: string;
    try {
      const request: WireRequest = { path: DISCOVERY_PATH, httpMethod: 'GET', params: DISCOVERY_PARAMS };
      const envelope = await this.exchangeRaw(request, 'read', DISCOVERY, undefined);
      const map = envelope.success ? parseApiMap(envelope.data) : undefined;
      if (map !== undefined) return { map, guessed: false };
      reason = envelope.success ? 'the answer lists no APIs' : `DSM error ${envelope.error.code}`;
    } catch (error) {
      if (!(error instanceof WireFailure)) throw error;
      if (error.reason !== 'server' && error.reason !== 'protocol') throw this.failure(error, 'read', DISCOVERY);
      reason = error.message;
    }
    this.logger.warning(
      `${DISCOVERY} failed (${reason}); assuming the guide's layout: SYNO.API.Auth at auth.cgi version 3, ` +
        'Virtual Machine Manager APIs at entry.cgi version 1.',
    );
    return { map: guideApiMap(), guessed: true };
  }

  private async authEndpoint(): Promise<{ path: string; version: number }> {
    const { map } = await this.discoverApis(undefined);
    const info = map.get(AUTH_API) ?? GUIDE_AUTH;
    return { path: info.path, version: chooseVersion(AUTH_API, info, MAX_AUTH_VERSION) };
  }

  private failure(failure: WireFailure, kind: CallKind, what: string): OperationError {
    return failureError(failure, { write: kind === 'write', what, origin: this.transport.origin });
  }

  private async exchange(
    request: WireRequest,
    kind: CallKind,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<DsmEnvelope> {
    try {
      return await this.exchangeRaw(request, kind, what, signal);
    } catch (error) {
      if (error instanceof WireFailure) throw this.failure(error, kind, what);
      throw error;
    }
  }

  /** One request, repeated with exponential backoff on network failures and 5xx, for reads only. */
  private async exchangeRaw(
    request: WireRequest,
    kind: CallKind,
    what: string,
    signal: AbortSignal | undefined,
  ): Promise<DsmEnvelope> {
    for (let attempt = 0; ; attempt += 1) {
      this.requests += 1;
      try {
        return await this.transport.send(request, signal);
      } catch (error) {
        const retryable =
          error instanceof WireFailure && kind === 'read' && (error.reason === 'network' || error.reason === 'server');
        if (!retryable || attempt >= this.readRetries) throw error;
        this.retries += 1;
        const delayMs = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
        this.logger.debug(`${what} failed (${error.message}); retrying in ${delayMs} ms.`);
        await sleep(delayMs, signal, what);
      }
    }
  }

}

const SET_URL = 'Set VMM_URL to the DSM address, for example https://nas.local:5001.';

function parseUrl(text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new OperationError('invalid_input', `VMM_URL "${text}" is not a URL.`, { cause: error, next: SET_URL });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new OperationError('invalid_input', `VMM_URL must start with https:// or http://, got "${url.protocol}".`, { next: SET_URL });
  }
  return url.href;
}

function positive(name: string, value: number): number {
  if (Number.isFinite(value) && value > 0) return value;
  throw new OperationError('invalid_input', `${name} must be a positive number, got ${value}.`);
}

function nonNegativeInteger(name: string, value: number): number {
  if (Number.isInteger(value) && value >= 0) return value;
  throw new OperationError('invalid_input', `${name} must be a whole number of at least 0, got ${value}.`);
}
