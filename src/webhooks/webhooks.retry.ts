/**
 * The retry schedule of status callbacks: exponential back-off with bounded jitter, retried for
 * a span of time rather than a number of attempts.
 *
 * Twilio retries a webhook little: its connection overrides allow at most 5 retries (`#rc`,
 * default 1), all within 15 s (`#tt`), per twilio.com/docs/usage/webhooks/webhooks-connection-overrides.
 * Loft deliberately goes further for status callbacks: a receiver that is down for a deploy or
 * an outage shorter than the span still gets every callback, in order.
 */

/** The schedule's settings. */
export interface RetrySchedule {
  /** Rounds are retried until their floors add up to at least this (ms after the first round). */
  spanMs: number;
  /** Floor of the first retry's wait; each next floor is twice the one before… */
  baseMs: number;
  /** …up to this one (the plateau). */
  maxMs: number;
  /** A wait is its floor plus up to `jitter × floor`, drawn at random (0 ≤ jitter < 1). */
  jitter: number;
}

/**
 * Defaults: retried for at least an hour. Floors 1 s, 2 s, 4 s … 256 s, then 5 min; waits up
 * to 1.5× their floor. That is 21 rounds, the last 63.5 to 95.3 min after the first.
 */
export const RETRY_DEFAULTS: RetrySchedule = {
  spanMs: 3_600_000,
  baseMs: 1_000,
  maxMs: 300_000,
  jitter: 0.5,
};

/** The least wait after the n-th failed round (n ≥ 1): `min(maxMs, baseMs · 2^(n−1))`, ≥ 1 ms. */
export function retryFloor(failedRounds: number, s: RetrySchedule): number {
  const doubled = s.baseMs * 2 ** Math.min(Math.max(0, failedRounds - 1), 52);
  return Math.max(1, Math.min(s.maxMs, doubled));
}

/**
 * The wait after the n-th failed round (n ≥ 1): its floor plus `floor · jitter · random()`,
 * so it lies in [floor, (1 + jitter) · floor). With jitter < 1 every wait before the plateau is
 * shorter than the next floor: the spacing grows from round to round whatever was drawn, and no
 * draw can bunch the rounds together (full jitter, `ceiling · random()`, can: 8 rounds drawn
 * near 0 all fell within 28 s).
 */
export function retryDelay(failedRounds: number, s: RetrySchedule, random: () => number): number {
  const floor = retryFloor(failedRounds, s);
  return floor + Math.floor(floor * s.jitter * random());
}

/**
 * How many rounds a webhook gets in all: the fewest whose retry floors add up to at least the
 * span. Since every wait is at least its floor, the last round comes no sooner than `spanMs`
 * after the first, whatever the jitter drew; 1 (no retry) when the span is 0.
 */
export function retryRounds(s: RetrySchedule): number {
  let rounds = 1;
  let covered = 0;
  // Doubling floors first (at most ~60 of them), then the plateau by division.
  while (covered < s.spanMs) {
    const floor = retryFloor(rounds, s);
    if (floor >= s.maxMs) {
      return rounds + Math.ceil((s.spanMs - covered) / Math.max(1, s.maxMs));
    }
    covered += floor;
    rounds++;
  }
  return rounds;
}
