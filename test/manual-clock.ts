import type { SimulatorClock } from '../src/providers/synology/simulator/index.js';

interface Pending {
  at: number;
  run: () => void;
}

/**
 * A simulator clock that stands still until a test moves it: a session expires, a VM settles or a
 * task finishes exactly when the test says, however slow the machine is. It starts at the real time
 * (2-step verification codes are computed from it).
 */
export class ManualClock implements SimulatorClock {
  private current = Date.now();
  private readonly pending = new Set<Pending>();

  now(): number {
    return this.current;
  }

  after(ms: number, run: () => void): unknown {
    const timer: Pending = { at: this.current + Math.max(0, ms), run };
    this.pending.add(timer);
    return timer;
  }

  cancel(timer: unknown): void {
    this.pending.delete(timer as Pending);
  }

  /** Moves time on by `ms`, running every timer that falls due on the way, in time order. */
  advance(ms: number): void {
    const until = this.current + ms;
    for (;;) {
      const due = [...this.pending].filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      this.pending.delete(due);
      this.current = Math.max(this.current, due.at);
      due.run();
    }
    this.current = until;
  }
}
