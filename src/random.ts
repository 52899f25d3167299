/**
 * The output step of mulberry32 (a small, fast, seeded PRNG): a 32-bit state, already advanced
 * by the caller, mixed into a float in [0, 1). Shared by the seed loader's sequence and the
 * simulator's per-message draws, so both stay reproducible from their seeds.
 */
export function mulberry32(state: number): number {
  let t = Math.imul(state ^ (state >>> 15), state | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** mulberry32's state increment. */
export const MULBERRY32_STEP = 0x6d2b79f5;
