import type { Clock } from '../clock.js';

/**
 * Least time between two claims of one loop, unless the last claim came back full. Every API
 * request calls notify(); without a gap, a burst of creates cost one (mostly empty) claim query
 * per request and per loop, more than the work itself. 10 ms batches them; a message waits at
 * most that long more before dispatch.
 */
export const MIN_CLAIM_GAP_MS = 10;

/**
 * Waits on `clock` until {@link MIN_CLAIM_GAP_MS} have passed since `since` (a `clock.now()`),
 * or until `signal` aborts (the runner stops). Never longer than the gap itself, should the
 * wall clock step back.
 */
export async function spaced(clock: Clock, since: number, signal: AbortSignal): Promise<void> {
  const wait = Math.min(MIN_CLAIM_GAP_MS, since + MIN_CLAIM_GAP_MS - clock.now());
  if (wait > 0) await clock.sleep(wait, signal);
}

/** One loop's sleep on the runner's clock, cut short by notify() or poke(). */
export class Waker {
  woken = false;
  /** notify() was called since the loop last claimed (new work may be in the database). */
  notified = false;
  private wake: (() => void) | null = null;

  constructor(private readonly clock: Clock) {}

  notify(): void {
    this.notified = true;
    this.poke();
  }

  /** Whether the loop is asleep (waiting for a wake-up or its poll). */
  get sleeping(): boolean {
    return this.wake !== null;
  }

  /** Wakes the loop for work handed over in memory (nothing new to claim). */
  poke(): void {
    this.woken = true;
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }

  /** Sleeps `ms` of the clock, or until a wake-up; either way the sleep is over after. */
  async sleep(ms: number): Promise<void> {
    const cut = new AbortController();
    const wake = () => cut.abort();
    this.wake = wake;
    try {
      await this.clock.sleep(ms, cut.signal);
    } finally {
      if (this.wake === wake) this.wake = null;
    }
  }
}
