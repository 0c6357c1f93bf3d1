import { delayOrAbort, settleOrAbort } from '../abort.js';
import { OperationError } from '../errors.js';

export interface Progress {
  progress: number;
  total?: number;
  message: string;
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (progress: Progress) => void;
}

export type WaitOutcome<T> = { done: true; value: T } | { done: false; value: T; reason: 'timeout' };

export interface PollSchedule {
  /** First pause between polls. */
  pollMs: number;
  /** The pause grows by half each poll up to this. */
  maxPollMs: number;
}

export const DEFAULT_POLL_SCHEDULE: PollSchedule = { pollMs: 500, maxPollMs: 5000 };
const GROWTH = 1.5;

export function cancelled(what: string): OperationError {
  return new OperationError('cancelled', `Cancelled while ${what}`, {
    next: 'nothing more was sent to DSM after the cancellation; anything already started keeps running there',
  });
}

export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted === true) throw cancelled(what);
}

/** Settles like `promise`, or rejects with a cancellation as soon as `signal` aborts. */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  return settleOrAbort(promise, signal, () => cancelled(what));
}

export interface PollSpec<T> {
  /** What we are waiting for, for cancellation messages ("waiting for task X"). */
  what: string;
  read(signal: AbortSignal | undefined): Promise<T>;
  isDone(value: T): boolean;
  describe(value: T, poll: number): Progress;
}

/**
 * Reads until `isDone`, pausing pollMs, then 1.5 times longer each round up to maxPollMs, so a
 * minute-long task costs under twenty requests. Reports progress after every read. A timeout is an
 * answer (done: false with the last value), not an error; an aborted signal is a cancellation.
 */
export async function pollUntil<T>(spec: PollSpec<T>, options: WaitOptions, schedule: PollSchedule): Promise<WaitOutcome<T>> {
  const { signal } = options;
  throwIfAborted(signal, spec.what);
  const deadline = Date.now() + Math.max(0, options.timeoutMs);
  let wait = schedule.pollMs;
  for (let poll = 1; ; poll += 1) {
    let value: T;
    try {
      value = await abortable(spec.read(signal), signal, spec.what);
    } catch (error) {
      if (signal?.aborted === true) throw cancelled(spec.what);
      throw error;
    }
    options.onProgress?.(spec.describe(value, poll));
    if (spec.isDone(value)) return { done: true, value };
    const left = deadline - Date.now();
    if (left <= 0) return { done: false, value, reason: 'timeout' };
    await delayOrAbort(Math.min(wait, left), signal, () => cancelled(spec.what));
    wait = Math.min(wait * GROWTH, schedule.maxPollMs);
  }
}
