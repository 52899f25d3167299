/** Source of the current time, injected so tests are deterministic. */
export interface Clock {
  /** Milliseconds since the Unix epoch (UTC). */
  now(): number;
}

/** The wall clock. */
export const systemClock: Clock = { now: () => Date.now() };

/** A clock that only moves when told to; for tests. */
export class ManualClock implements Clock {
  constructor(private current: number = Date.UTC(2024, 0, 1)) {}
  now(): number {
    return this.current;
  }
  /** Move the clock forward by `ms` milliseconds. */
  advance(ms: number): void {
    this.current += ms;
  }
  /** Jump to an absolute time. */
  set(ms: number): void {
    this.current = ms;
  }
}
