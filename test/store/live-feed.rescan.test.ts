import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed, STREAM_LIMITS } from '../../src/loft/loft.stream.js';
import type { Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';

const ACCOUNT = 'AC' + 'ab'.repeat(16);
const FILTER = { accountSid: ACCOUNT, tags: [] };

// The look-back for late commits re-reads what the last reads saw; under a steady load larger
// than the scan bound, that re-reading used up every read and the stream fell further behind.
describe('LiveFeed under a steady load with the look-back for late commits', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(async () => {
    await store?.close();
  });

  it('counts what arrived since the last read on every read, while re-reading the look-back', async () => {
    // Scaled down: 15 new messages a read, 150 ms apart; the 500 ms look-back then holds about
    // 45 already seen, more than the 20 new ones a read may take, less than the 80 it re-reads.
    const limits = { ...STREAM_LIMITS, chunk: 10, maxScan: 20, maxRescan: 80, maxSent: 5 };
    const feed = new LiveFeed(store, FILTER, undefined, 0, true, limits);
    let now = Date.now();
    let committed = 0;
    let counted = 0;
    for (let read = 0; read < 8; read++) {
      await store.messages.insertMany(
        Array.from({ length: 15 }, () => ({ message: messageRecord(ACCOUNT) })),
      );
      committed += 15;
      now += 150;
      counted += (await feed.read(now))?.new_count ?? 0;
      expect(counted, `after read ${read + 1}`).toBe(committed);
    }
  });

  it('re-reads at most maxRescan in one read: past it, the new wait until the look-back passes', async () => {
    const limits = { ...STREAM_LIMITS, chunk: 10, maxScan: 20, maxRescan: 10, maxSent: 5 };
    const [newest] = await store.messages.list(FILTER, { limit: 1, direction: 'after' });
    const feed = new LiveFeed(store, FILTER, undefined, newest!.seq, true, limits);
    const insert = (n: number) =>
      store.messages.insertMany(
        Array.from({ length: n }, () => ({ message: messageRecord(ACCOUNT) })),
      );
    const now = Date.now();
    await insert(20);
    expect((await feed.read(now))?.new_count).toBe(20);
    await insert(5);
    // Each read starts again at the look-back's start: 10 of the 20 seen, and it stops there.
    expect(await feed.read(now + 100)).toBeUndefined();
    expect(await feed.read(now + 200)).toBeUndefined();
    // The first two reads are past the 500 ms look-back: the read starts after the 20.
    expect((await feed.read(now + 700))?.new_count).toBe(5);
    expect(await feed.read(now + 800)).toBeUndefined();
  });
});
