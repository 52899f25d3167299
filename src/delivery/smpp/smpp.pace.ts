import type { Clock } from '../../clock.js';

/**
 * A token bucket on the injected clock: `rate` tokens per second, at most `burst` kept (a tenth
 * of a second's worth, at least one). Rate 0 means unlimited.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly burst: number;

  constructor(
    private readonly rate: number,
    private readonly clock: Clock,
  ) {
    this.burst = Math.max(1, rate / 10);
    this.tokens = this.burst;
    this.last = clock.now();
  }

  /** Takes a token if one is there (returns 0), else returns how many ms until one is. */
  take(): number {
    if (this.rate <= 0) return 0;
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.rate) / 1000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - this.tokens) * 1000) / this.rate));
  }
}

/** Exponential back-off with full jitter: random × min(cap, base × 2^attempt). */
export function fullJitter(attempt: number, backoff: Backoff, random: () => number): number {
  return Math.floor(
    random() * Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.min(attempt, 30)),
  );
}

/** Back-off bounds for reconnects and throttling (defaults: 1 s base, 60 s cap). */
export interface Backoff {
  baseMs: number;
  capMs: number;
}

/** The default back-off. */
export const DEFAULT_BACKOFF: Backoff = { baseMs: 1000, capMs: 60_000 };

/** Resolves after `ms` (real time), or early when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
