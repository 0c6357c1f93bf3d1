import { settleOrAbort } from '../abort.js';
import { cancelled } from './wait.js';

/**
 * One request in flight per key, shared by every caller that asks while it runs; nothing is kept
 * after it settles. The shared request runs on its own AbortSignal: a caller whose signal aborts
 * stops waiting at once, and the request itself is aborted only when every caller that could abort
 * has done so (a caller without a signal keeps it going).
 */

interface Flight {
  promise: Promise<unknown>;
  controller: AbortController;
  /** Callers with a signal that are still waiting. */
  waiting: number;
  /** A caller without a signal joined: it cannot abort, so the request runs to the end. */
  pinned: boolean;
}

export class SingleFlight {
  private readonly flights = new Map<string, Flight>();

  run<T>(key: string, what: string, signal: AbortSignal | undefined, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
    if (signal?.aborted === true) return Promise.reject(cancelled(what));
    let flight = this.flights.get(key);
    if (flight === undefined) {
      const controller = new AbortController();
      const started: Flight = { promise: (async () => start(controller.signal))(), controller, waiting: 0, pinned: false };
      const forget = (): void => this.forget(key, started);
      started.promise.then(forget, forget);
      this.flights.set(key, started);
      flight = started;
    }
    return this.join(key, flight, signal, what) as Promise<T>;
  }

  /**
   * Callers from now on start fresh requests: a read that began before a change must not answer a
   * caller who asks after it. Requests already in flight still answer the callers that joined them.
   */
  renew(): void {
    this.flights.clear();
  }

  private join(key: string, flight: Flight, signal: AbortSignal | undefined, what: string): Promise<unknown> {
    if (signal === undefined) {
      flight.pinned = true;
      return flight.promise;
    }
    flight.waiting += 1;
    return settleOrAbort(flight.promise, signal, () => {
      flight.waiting -= 1;
      if (flight.waiting === 0 && !flight.pinned) {
        this.forget(key, flight);
        flight.controller.abort();
      }
      return cancelled(what);
    });
  }

  private forget(key: string, flight: Flight): void {
    if (this.flights.get(key) === flight) this.flights.delete(key);
  }
}
