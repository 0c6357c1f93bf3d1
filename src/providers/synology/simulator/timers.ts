/**
 * Where the simulator takes its time from. The real clock by default; a test passes its own to hold
 * time still or move it on at will, so that nothing it checks depends on how fast the machine is.
 */
export interface SimulatorClock {
  now(): number;
  /** Runs `run` once, `ms` from now; the returned handle is what `cancel` takes. */
  after(ms: number, run: () => void): unknown;
  cancel(timer: unknown): void;
}

/** Real time; timers are unref'd so they never keep a process alive. */
export const REAL_CLOCK: SimulatorClock = {
  now: () => Date.now(),
  after(ms, run) {
    const timer = setTimeout(run, ms);
    timer.unref();
    return timer;
  },
  cancel: (timer) => clearTimeout(timer as NodeJS.Timeout),
};

/** The simulator's clock and the timers it owns, all cleared on close. */
export class Timers {
  private readonly pending = new Set<unknown>();

  constructor(private readonly clock: SimulatorClock = REAL_CLOCK) {}

  now(): number {
    return this.clock.now();
  }

  after(ms: number, run: () => void): unknown {
    const timer = this.clock.after(ms, () => {
      this.pending.delete(timer);
      run();
    });
    this.pending.add(timer);
    return timer;
  }

  cancel(timer: unknown): void {
    if (timer === undefined) return;
    this.clock.cancel(timer);
    this.pending.delete(timer);
  }

  clearAll(): void {
    for (const timer of this.pending) this.clock.cancel(timer);
    this.pending.clear();
  }
}
