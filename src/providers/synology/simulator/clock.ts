/**
 * The simulator's sense of time. Tasks, power transitions and clean-ups run on it, so a test can
 * move time on by a minute instead of waiting one (the real clock is the default).
 */
export interface SimClock {
  now(): number;
  schedule(ms: number, run: () => void): unknown;
  cancel(handle: unknown): void;
}

export const realClock: SimClock = {
  now: () => Date.now(),
  schedule(ms, run) {
    const timer = setTimeout(run, ms);
    // A simulator timer must never keep a process alive.
    timer.unref();
    return timer;
  },
  cancel(handle) {
    clearTimeout(handle as NodeJS.Timeout);
  },
};

interface Scheduled {
  at: number;
  order: number;
  run: () => void;
}

/** A clock that moves only when told to; due callbacks run in time order during `advance`. */
export class ManualClock implements SimClock {
  private current: number;
  private order = 0;
  private readonly pending = new Set<Scheduled>();

  constructor(start: number = Date.now()) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  schedule(ms: number, run: () => void): unknown {
    const entry: Scheduled = { at: this.current + Math.max(0, ms), order: (this.order += 1), run };
    this.pending.add(entry);
    return entry;
  }

  cancel(handle: unknown): void {
    this.pending.delete(handle as Scheduled);
  }

  /** Moves time on by `ms`, running every callback that falls due, including ones scheduled meanwhile. */
  advance(ms: number): void {
    const target = this.current + ms;
    for (;;) {
      const next = [...this.pending].filter((entry) => entry.at <= target).sort((a, b) => a.at - b.at || a.order - b.order)[0];
      if (next === undefined) break;
      this.pending.delete(next);
      this.current = next.at;
      next.run();
    }
    this.current = target;
  }
}
