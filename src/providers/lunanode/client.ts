import { delayOrAbort } from '../../abort.js';
import { OperationError } from '../../errors.js';
import { WireFailure } from '../../http/failure.js';
import { cancelledError, type CancelWording } from '../../http/failure-errors.js';
import { HttpPool } from '../../http/pool.js';
import type { Logger } from '../../log.js';
import { forgetSecret, registerSecret } from '../../safety/redact.js';
import { READ_BEFORE_RETRY, refusal } from './failures.js';
import { endpointOf, partialKeyOf, signRequest } from './signature.js';

/**
 * The LunaNode API client: `POST {base}/api/{category}/{action}/` with the form fields `req` (JSON of
 * string values plus api_id and api_partialkey), `nonce` (Unix seconds) and `signature`. Reads are
 * retried on network errors and 5xx with backoff; writes never are (LunaNode has no idempotency key).
 * The shared pool (src/http) does the timeout and cancellation; the certificate is checked against the
 * system roots, as LunaNode's is a public one.
 */

export const LUNANODE_URL = 'https://dynamic.lunanode.com';

const LUNANODE_CANCEL: CancelWording = { server: 'LunaNode', readBeforeRetry: READ_BEFORE_RETRY };

export interface LunaNodeClientOptions {
  /** API base; LUNANODE_URL unless a simulator stands in. */
  url: string;
  apiId: string;
  /** The full 128-character key: it signs, and only its first 64 characters are ever sent. */
  apiKey: string;
  timeoutMs: number;
  /** Default region for calls that need one. */
  region?: string;
  logger?: Logger;
  /** Retries of a read after the first try (default 2), and the first pause (default 200 ms, doubling). */
  readRetries?: number;
  retryPauseMs?: number;
  /** Unix time in ms, for the nonce (tests shift it). */
  now?: () => number;
}

export type LunaNodeParams = Readonly<Record<string, string | number | undefined>>;
export type LunaNodeAnswer = Record<string, unknown>;

export class LunaNodeClient {
  readonly origin: string;
  readonly region: string | undefined;
  private readonly options: LunaNodeClientOptions;
  private readonly basePath: string;
  private readonly http: HttpPool;
  private closed = false;

  constructor(options: LunaNodeClientOptions) {
    this.options = options;
    const url = new URL(options.url);
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.region = options.region;
    this.http = new HttpPool({ origin: url.origin, server: 'LunaNode', timeoutMs: options.timeoutMs });
  }

  async call(category: string, action: string, params: LunaNodeParams, options: { kind: 'read' | 'write'; signal?: AbortSignal }): Promise<LunaNodeAnswer> {
    const endpoint = endpointOf(category, action);
    if (this.closed) throw new OperationError('cancelled', `${endpoint} was not sent: the LunaNode client is closed.`);
    const retries = options.kind === 'read' ? (this.options.readRetries ?? 2) : 0;
    let pause = this.options.retryPauseMs ?? 200;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.send(endpoint, params, options);
      } catch (error) {
        if (!(error instanceof Retryable) || attempt >= retries) throw error instanceof Retryable ? error.failure : error;
        this.options.logger?.debug(`LunaNode ${endpoint} failed (${error.failure.message}); retrying in ${pause} ms`);
        await delayOrAbort(pause, options.signal, () => cancelledError(endpoint, false, LUNANODE_CANCEL));
        pause *= 2;
      }
    }
  }

  close(): Promise<void> {
    this.closed = true;
    return this.http.close();
  }

  private async send(endpoint: string, params: LunaNodeParams, options: { kind: 'read' | 'write'; signal?: AbortSignal }): Promise<LunaNodeAnswer> {
    const { apiId, apiKey } = this.options;
    const fields: Record<string, string> = {};
    for (const [key, value] of Object.entries(params)) if (value !== undefined) fields[key] = String(value);
    const req = JSON.stringify({ ...fields, api_id: apiId, api_partialkey: partialKeyOf(apiKey) });
    const nonce = String(Math.floor((this.options.now ?? Date.now)() / 1000));
    const signature = signRequest(apiKey, endpoint, req, nonce);
    // A signature is good for this request only; it is masked while the request can produce output.
    registerSecret(signature);
    const write = options.kind === 'write';
    try {
      const answer = await this.http.send(
        {
          method: 'POST',
          path: `${this.basePath}/api/${endpoint}`,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ req, signature, nonce }).toString(),
        },
        options.signal,
      );
      if (answer.status >= 500) throw this.transient(endpoint, `HTTP ${answer.status}`, write, true);
      return this.parse(endpoint, answer.status, answer.text, write);
    } catch (error) {
      if (!(error instanceof WireFailure)) throw error;
      throw this.wireError(endpoint, error, write);
    } finally {
      forgetSecret(signature);
    }
  }

  /** What a failed exchange means here: network failures a read may retry; a refused certificate or a cancel it may not. */
  private wireError(endpoint: string, failure: WireFailure, write: boolean): OperationError | Retryable {
    switch (failure.reason) {
      case 'cancelled':
        return cancelledError(endpoint, write && failure.maybeDelivered, LUNANODE_CANCEL);
      case 'tls':
        return new OperationError('tls', `The TLS connection to LunaNode at ${this.origin} failed (${failure.message}). Nothing was sent.`, {
          cause: failure,
          next: "check that the target's url is LunaNode's API (https://dynamic.lunanode.com) and that this machine's clock and CA store are current",
        });
      case 'timeout':
        return this.transient(endpoint, failure.message, write, true, 'timeout');
      case 'network':
      case 'server':
      case 'protocol':
        return this.transient(endpoint, failure.message, write, failure.maybeDelivered);
    }
  }

  private parse(endpoint: string, status: number, text: string, write: boolean): LunaNodeAnswer {
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = undefined;
    }
    if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) {
      const maybe = write ? ' The change may or may not have happened.' : '';
      throw new OperationError('protocol', `LunaNode at ${this.origin} answered ${endpoint} with HTTP ${status} and something that is not its JSON API.${maybe}`, {
        next: write ? READ_BEFORE_RETRY : "check the target's url (the API base, https://dynamic.lunanode.com)",
        outcomeUnknown: write,
      });
    }
    const envelope = answer as LunaNodeAnswer;
    if (envelope.success === 'yes') return envelope;
    const error = typeof envelope.error === 'string' ? envelope.error : 'no error text';
    throw refusal(error, { endpoint, ...(this.region === undefined ? {} : { region: this.region }) });
  }

  /** A failure that a read may retry; a write reports it, and whether LunaNode may have done it. */
  private transient(endpoint: string, message: string, write: boolean, maybeDelivered: boolean, kind: 'transport' | 'timeout' = 'transport'): Retryable {
    const unknown = write && maybeDelivered;
    const failure = new OperationError(
      kind,
      unknown
        ? `${endpoint} failed in transit (${message}). The change may or may not have happened.`
        : `${endpoint} failed: no answer from LunaNode at ${this.origin} (${message}).${write ? ' Nothing was sent.' : ''}`,
      { outcomeUnknown: unknown, next: unknown ? READ_BEFORE_RETRY : "LunaNode may be busy or unreachable: try again in a moment, or check the target's url" },
    );
    return new Retryable(failure);
  }
}

/** Carries a failure that a read may try again; never leaves this module. */
class Retryable extends Error {
  constructor(readonly failure: OperationError) {
    super(failure.message);
  }
}
