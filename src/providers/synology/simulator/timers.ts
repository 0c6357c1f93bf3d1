import type { SimClock } from './clock.js';

/** Timers the simulator owns, on its clock, all cleared on close. */
export class Timers {
  private readonly pending = new Set<unknown>();

  constructor(private readonly clock: SimClock) {}

  now(): number {
    return this.clock.now();
  }

  after(ms: number, run: () => void): unknown {
    const handle = this.clock.schedule(ms, () => {
      this.pending.delete(handle);
      run();
    });
    this.pending.add(handle);
    return handle;
  }

  cancel(handle: unknown): void {
    if (handle === undefined) return;
    this.clock.cancel(handle);
    this.pending.delete(handle);
  }

  clearAll(): void {
    for (const handle of this.pending) this.clock.cancel(handle);
    this.pending.clear();
  }
}
