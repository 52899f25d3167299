import { expect, it } from 'vitest';
import { slicer } from '../../src/store/kysely/rows.js';

const lengths = (slices: unknown[][]) => slices.map((s) => s.length);

// SQLite: multi-row statements take a few sizes only, so their SQL texts repeat and stay compiled.
it('cuts a batch into power-of-two slices of at most max, in order, losing nothing', () => {
  const chunks = slicer({ max: 64, powersOfTwo: true });
  const sizes = new Set<number>();
  for (let n = 0; n <= 600; n++) {
    const items = Array.from({ length: n }, (_, i) => i);
    const slices = [...chunks(items)];
    expect(slices.flat()).toEqual(items);
    for (const s of slices) sizes.add(s.length);
    // Largest first: at most one slice of each size below 64.
    const small = lengths(slices).filter((l) => l < 64);
    expect(new Set(small).size).toBe(small.length);
  }
  expect([...sizes].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  expect(lengths([...chunks(Array.from({ length: 23 }))])).toEqual([16, 4, 2, 1]);
});

// PostgreSQL: every statement is a round trip, so as few as the parameter limit allows.
it('cuts a batch into slices of max and the rest otherwise', () => {
  const chunks = slicer({ max: 500, powersOfTwo: false });
  expect(lengths([...chunks(Array.from({ length: 1234 }))])).toEqual([500, 500, 234]);
  expect(lengths([...chunks(Array.from({ length: 127 }))])).toEqual([127]);
  expect([...chunks([])]).toEqual([]);
});
