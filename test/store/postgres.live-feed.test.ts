import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed, STREAM_LIMITS } from '../../src/loft/loft.stream.js';
import { openPostgresStore } from '../../src/store/postgres/postgres.store.js';
import type { Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';

const server = await postgresServerUrl();
const ACCOUNT = 'AC' + 'fe'.repeat(16);
const FILTER = { accountSid: ACCOUNT, tags: [] };

// Needs a PostgreSQL server: transactions held open on separate connections, so `seq` values
// become visible out of order (PGlite runs one connection).
describe.skipIf(!server)('LiveFeed over PostgreSQL transactions committing out of order', () => {
  let db: TestDatabase;
  let store: Store;
  beforeAll(async () => {
    db = await createTestDatabase(server as string);
    store = await openPostgresStore({ url: db.url });
  });
  afterAll(async () => {
    await store?.close();
    await db?.drop();
  });

  /** A transaction that has inserted `n` messages (their `seq` taken) and commits on demand. */
  async function held(n: number): Promise<() => Promise<void>> {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let inserted!: () => void;
    const ready = new Promise<void>((r) => (inserted = r));
    const done = store.transaction(async (tx) => {
      await tx.messages.insertMany(
        Array.from({ length: n }, () => ({ message: messageRecord(ACCOUNT) })),
      );
      inserted();
      await gate;
    });
    await Promise.race([ready, done]);
    return async () => {
      release();
      await done;
    };
  }

  it('counts every message once, however the commits interleave with the reads', async () => {
    expect(store.capabilities.writers).toBeGreaterThan(1);
    const [newest] = await store.messages.list(FILTER, { limit: 1, direction: 'after' });
    const limits = { ...STREAM_LIMITS, chunk: 4, maxSent: 3, lookbackMs: 500 };
    const feed = new LiveFeed(store, FILTER, undefined, newest?.seq ?? 0, true, limits);
    let now = Date.now();
    let counted = 0;
    let committed = 0;
    const read = async () => {
      now += 150;
      counted += (await feed.read(now))?.new_count ?? 0;
      // Never more than has committed (nothing counted twice).
      expect(counted).toBeLessThanOrEqual(committed);
    };
    // Each round: three transactions take their seqs in order, then commit in another order,
    // with reads between the commits (and some messages committed at once in between).
    const orders = [
      [2, 0, 1],
      [1, 2, 0],
      [2, 1, 0],
      [0, 2, 1],
    ];
    for (const order of orders) {
      const commits = [await held(3), await held(2), await held(4)];
      const sizes = [3, 2, 4];
      await store.messages.insertMany([{ message: messageRecord(ACCOUNT) }]);
      committed++;
      for (const i of order) {
        await read();
        await commits[i]!();
        committed += sizes[i]!;
      }
      await read();
      expect(counted).toBe(committed);
    }
    // Past the look-back and later: nothing more.
    now += 10_000;
    await read();
    await read();
    expect(counted).toBe(committed);
  });
});
