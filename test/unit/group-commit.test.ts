import { describe, expect, it } from 'vitest';
import { groupCommit } from '../../src/store/group-commit.js';
import { StoreUnavailableError } from '../../src/store/unavailable.js';

/** A flush that records its batches and answers each item with its double. */
function recorder(fail?: (n: number) => boolean) {
  const batches: number[][] = [];
  const flush = async (items: number[]) => {
    batches.push([...items]);
    await new Promise((r) => setTimeout(r, 5));
    if (fail && items.some(fail)) throw new Error(`bad batch ${items.join(',')}`);
    return items.map((n) => n * 2);
  };
  return { batches, flush };
}

describe('groupCommit', () => {
  it('writes the items of one event-loop turn in one flush, each caller getting its own result', async () => {
    const { batches, flush } = recorder();
    const write = groupCommit(flush);
    const out = await Promise.all([1, 2, 3, 4].map((n) => write(n)));
    expect(out).toEqual([2, 4, 6, 8]);
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('collects what arrives during a flush into the next one (one flush at a time)', async () => {
    const { batches, flush } = recorder();
    const write = groupCommit(flush);
    const first = write(1);
    await new Promise((r) => setImmediate(r)); // the first flush has started
    const later = [write(2), write(3)];
    expect(await Promise.all([first, ...later])).toEqual([2, 4, 6]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it('caps a batch at maxBatch', async () => {
    const { batches, flush } = recorder();
    const write = groupCommit(flush, { maxBatch: 2 });
    await Promise.all([1, 2, 3, 4, 5].map((n) => write(n)));
    expect(batches.map((b) => b.length)).toEqual([2, 2, 1]);
  });

  it('retries a failed batch item by item: only the bad item fails', async () => {
    const { batches, flush } = recorder((n) => n === 3);
    const write = groupCommit(flush);
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => write(n)));
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(batches).toEqual([[1, 2, 3, 4], [1], [2], [3], [4]]);
  });

  it('fails a whole batch at once when the store is unavailable (no item is to blame)', async () => {
    const batches: number[][] = [];
    const full = new StoreUnavailableError('disk_full', 'SQLITE_FULL', new Error('disk full'));
    const write = groupCommit((items: number[]) => {
      batches.push([...items]);
      return Promise.reject(full);
    });
    const results = await Promise.allSettled([1, 2, 3, 4].map((n) => write(n)));
    expect(results).toEqual(Array(4).fill({ status: 'rejected', reason: full }));
    expect(batches).toEqual([[1, 2, 3, 4]]);
  });

  it('keeps working after a failure', async () => {
    const { flush } = recorder((n) => n < 0);
    const write = groupCommit(flush);
    await expect(write(-1)).rejects.toThrow('bad batch -1');
    expect(await write(5)).toBe(10);
  });
});

describe('groupCommit with concurrency', () => {
  it('runs up to `concurrency` flushes at once, batching what waits behind them', async () => {
    let inFlight = 0;
    let peak = 0;
    const batches: number[][] = [];
    const flush = async (items: number[]) => {
      batches.push([...items]);
      inFlight++;
      peak = Math.max(peak, inFlight);
      await new Promise((r) => setTimeout(r, 10));
      inFlight--;
      return items;
    };
    const write = groupCommit(flush, { concurrency: 2, maxBatch: 3 });
    const out = await Promise.all(Array.from({ length: 10 }, (_, i) => write(i)));
    expect(out).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(peak).toBe(2);
    expect(batches.flat().sort((a, b) => a - b)).toEqual(out);
    expect(batches.map((b) => b.length)).toEqual([3, 3, 3, 1]);
  });
});
