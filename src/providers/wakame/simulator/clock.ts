/**
 * The simulator's sense of time. Every timed change (an instance booting, an image becoming
 * available) is a step due at a moment of this clock, applied when someone next looks, so there are
 * no timers to race and a test can move time forward instead of sleeping.
 */
export interface SimClock {
  now(): number;
}

export const systemClock: SimClock = { now: () => Date.now() };

/** A clock that moves only when told to. */
export class ManualClock implements SimClock {
  private current: number;

  constructor(start = Date.parse('2026-01-01T00:00:00Z')) {
    this.current = start;
  }

  now(): number {
    return this.current;
  }

  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError('a clock only moves forward');
    this.current += ms;
  }
}

/** dcmgr's timestamps: ISO 8601 in UTC, whole seconds. */
export function isoTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
