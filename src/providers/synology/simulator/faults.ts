import type { SessionStore } from './sessions.js';

export type FaultKind = 'http500' | 'drop';

export interface FaultSpec {
  kind: FaultKind;
  /** Only requests to this API (and method) are hit; others pass. */
  match?: { api?: string; method?: string };
  /**
   * `true`: the request is carried out and only its response is lost (HTTP 500 or a dropped
   * connection): the "outcome unknown" case of a write. Default `false`: nothing happens.
   */
  after?: boolean;
}

export interface FaultControls {
  /** Added to every response (settable). */
  latencyMs: number;
  failNext(count: number, fault: FaultSpec): void;
  /** The next call with any existing sid gets the expiry code. */
  expireAllSessions(): void;
  /** Every n-th authenticated request finds its session expired; `undefined` turns it off. */
  expireEvery(n: number | undefined): void;
  reset(): void;
}

interface PendingFault extends FaultSpec {
  remaining: number;
}

export class Faults implements FaultControls {
  latencyMs = 0;
  private pending: PendingFault[] = [];
  private expiryInterval: number | undefined;
  private authenticatedRequests = 0;

  constructor(private readonly sessions: SessionStore) {}

  failNext(count: number, fault: FaultSpec): void {
    if (count > 0) this.pending.push({ ...fault, remaining: count });
  }

  expireAllSessions(): void {
    this.sessions.expireAll();
  }

  expireEvery(n: number | undefined): void {
    this.expiryInterval = n !== undefined && n > 0 ? n : undefined;
    this.authenticatedRequests = 0;
  }

  reset(): void {
    this.latencyMs = 0;
    this.pending = [];
    this.expireEvery(undefined);
  }

  /** The fault this request runs into, if any; each hit uses up one of the fault's count. */
  take(api: string, method: string): FaultSpec | undefined {
    const index = this.pending.findIndex(
      (fault) =>
        (fault.match?.api === undefined || fault.match.api === api) &&
        (fault.match?.method === undefined || fault.match.method === method),
    );
    const fault = this.pending[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.pending.splice(index, 1);
    return fault;
  }

  /** Counts one authenticated request; `true` when this one is the n-th that must find its session expired. */
  sessionShouldExpire(): boolean {
    if (this.expiryInterval === undefined) return false;
    this.authenticatedRequests += 1;
    return this.authenticatedRequests % this.expiryInterval === 0;
  }
}
