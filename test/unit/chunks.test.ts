import { expect, it } from 'vitest';
import { chunks } from '../../src/store/kysely/rows.js';

// Multi-row statements take a few sizes only, so their SQL texts repeat and stay compiled.
it('cuts a batch into power-of-two slices of at most 64, in order, losing nothing', () => {
  const sizes = new Set<number>();
  for (let n = 0; n <= 600; n++) {
    const items = Array.from({ length: n }, (_, i) => i);
    const slices = [...chunks(items)];
    expect(slices.flat()).toEqual(items);
    for (const s of slices) sizes.add(s.length);
    // Largest first: at most one slice of each size below 64.
    const small = slices.map((s) => s.length).filter((l) => l < 64);
    expect(new Set(small).size).toBe(small.length);
  }
  expect([...sizes].sort((a, b) => a - b)).toEqual([1, 2, 4, 8, 16, 32, 64]);
  expect([...chunks(Array.from({ length: 23 }))].map((s) => s.length)).toEqual([16, 4, 2, 1]);
});
