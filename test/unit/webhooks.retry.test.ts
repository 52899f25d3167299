import { describe, expect, it } from 'vitest';
import { mulberry32, MULBERRY32_STEP } from '../../src/random.js';
import {
  RETRY_DEFAULTS,
  retryDelay,
  retryFloor,
  retryRounds,
  type RetrySchedule,
} from '../../src/webhooks/webhooks.retry.js';

/** A seeded uniform source in [0, 1). */
const seeded = (seed: number) => {
  let state = seed >>> 0;
  return () => mulberry32((state = (state + MULBERRY32_STEP) >>> 0));
};

/** The times of every round after the first (ms after it), for one sequence of draws. */
function schedule(s: RetrySchedule, random: () => number): { at: number[]; gaps: number[] } {
  const at = [0];
  const gaps: number[] = [];
  for (let n = 1; n < retryRounds(s); n++) {
    const gap = retryDelay(n, s, random);
    gaps.push(gap);
    at.push((at.at(-1) as number) + gap);
  }
  return { at, gaps };
}

const HOUR = 3_600_000;

describe('status callback retry schedule', () => {
  it('by default: 21 rounds, the last 63.5 to 95.3 min after the first', () => {
    expect(RETRY_DEFAULTS.spanMs).toBe(HOUR);
    expect(retryRounds(RETRY_DEFAULTS)).toBe(21);
    // Floors 1 s … 256 s (511 s) then eleven of 5 min (3,300 s): 3,811 s.
    const floors = Array.from({ length: 20 }, (_, i) => retryFloor(i + 1, RETRY_DEFAULTS));
    expect(floors.slice(0, 10)).toEqual(
      [1, 2, 4, 8, 16, 32, 64, 128, 256, 300].map((s) => s * 1e3),
    );
    expect(floors.reduce((a, b) => a + b)).toBe(3_811_000);
    expect(schedule(RETRY_DEFAULTS, () => 0).at.at(-1)).toBe(3_811_000);
    expect(schedule(RETRY_DEFAULTS, () => 1 - 2 ** -53).at.at(-1)).toBeLessThan(1.5 * 3_811_000);
  });

  it('never finishes before the span and keeps the spacing growing, over 10,000 seeds', () => {
    const spans = [HOUR, 60_000, 30 * 60_000, 6 * HOUR];
    let runs = 0;
    let earliest = Infinity;
    const violations: string[] = [];
    for (const spanMs of spans) {
      const s = { ...RETRY_DEFAULTS, spanMs };
      const floor = (n: number) => retryFloor(n, s);
      // No round more than needed: the floors without the last retry fall short of the span.
      const rounds = retryRounds(s);
      let short = 0;
      for (let n = 1; n < rounds - 1; n++) short += floor(n);
      expect(short).toBeLessThan(spanMs);
      for (let seed = 0; seed < 2_500; seed++) {
        const { at, gaps } = schedule(s, seeded(seed * 7919 + spanMs));
        runs++;
        const last = at.at(-1) as number;
        earliest = Math.min(earliest, last / spanMs);
        // The last round comes no sooner than the span after the first.
        if (last < spanMs) violations.push(`seed ${seed}: last round at ${last} < ${spanMs}`);
        gaps.forEach((gap, i) => {
          const n = i + 1;
          const bad = (why: string) => violations.push(`seed ${seed}, gap ${n} = ${gap}: ${why}`);
          if (gap < floor(n) || gap >= floor(n) * (1 + s.jitter)) bad('outside its bounds');
          if (i === 0) return;
          // Each gap is at least the previous gap's lower bound…
          if (gap < floor(n - 1)) bad(`below the previous floor ${floor(n - 1)}`);
          // …and before the plateau, longer than the previous gap itself, whatever was drawn.
          if (floor(n) < s.maxMs && gap <= (gaps[i - 1] as number)) bad('not longer than before');
        });
      }
    }
    expect(runs).toBe(10_000);
    expect(violations).toEqual([]);
    expect(earliest).toBeGreaterThanOrEqual(1);
  });

  it('the draws that bunched full jitter (all near 0) still span the hour', () => {
    // The old schedule: 8 rounds of min(10 min, 1 s·2^(n−1))·random(), at least 1 s each, could
    // all fall within 28 s.
    const { at } = schedule(RETRY_DEFAULTS, () => 0);
    expect(at.slice(0, 8)).toEqual([0, 1, 3, 7, 15, 31, 63, 127].map((s) => s * 1e3));
    expect(at.at(-1)).toBeGreaterThanOrEqual(HOUR);
  });

  it('scales with the span: 0 means one round, longer spans add 5-minute rounds', () => {
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 0 })).toBe(1);
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 1 })).toBe(2);
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 3_000 })).toBe(3);
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 511_000 })).toBe(10);
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 511_001 })).toBe(11);
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 24 * HOUR })).toBe(10 + 287);
    // A span of years is a division, not a loop.
    expect(retryRounds({ ...RETRY_DEFAULTS, spanMs: 3650 * 24 * HOUR })).toBe(10 + 1_051_199);
  });
});
