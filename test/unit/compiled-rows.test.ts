import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  batches,
  batchesOf,
  compiledRows,
  type Batches,
} from '../../src/store/kysely/compiled-rows.js';
import { kyselyStore, migrateToLatest } from '../../src/store/kysely/kysely.store.js';
import type { Database } from '../../src/store/schema.js';
import { SQLITE_CAPABILITIES } from '../../src/store/sqlite/sqlite.store.js';

// Batch inserts reuse the SQL Kysely compiled for their shape, with the new rows' values.
/** A table of its own (a nullable column, to leave a value out). */
interface Db {
  items: { key: string; value: string | null };
}
let db: Kysely<Db>;
beforeAll(async () => {
  db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) });
  await sql`create table items (key text primary key, value text)`.execute(db);
});
afterAll(() => db.destroy());

const rowsOf = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({ key: `${prefix}${i}`, value: `v${i}` }));

it('builds a shape once, then sends its SQL with new values', async () => {
  const batch = compiledRows(true);
  let builds = 0;
  const insert = (rows: { key: string; value: string | undefined }[]) =>
    batch(db, 'items', rows, (values) => {
      builds++;
      return db
        .insertInto('items')
        .values([...values])
        .returning('key');
    });
  expect((await insert(rowsOf('a', 3))).map((r) => r.key)).toEqual(['a0', 'a1', 'a2']);
  expect((await insert(rowsOf('b', 3))).map((r) => r.key)).toEqual(['b0', 'b1', 'b2']);
  expect(builds).toBe(1);
  // Another row count is another shape.
  await insert(rowsOf('c', 2));
  expect(builds).toBe(2);
  const stored = await db.selectFrom('items').selectAll().orderBy('key').execute();
  expect(stored).toHaveLength(8);
  expect(stored.find((r) => r.key === 'b2')?.value).toBe('v2');
  // A row with an undefined value (Kysely leaves the column out) is built by Kysely each time.
  await insert([{ key: 'd0', value: undefined }]);
  await insert([{ key: 'd1', value: undefined }]);
  expect(builds).toBe(4);
  expect((await db.selectFrom('items').selectAll().where('key', '=', 'd1').execute())[0]).toEqual({
    key: 'd1',
    value: null,
  });
});

it('builds every time without reuse (any row count: unbounded shapes)', async () => {
  const batch = compiledRows(false);
  let builds = 0;
  for (const prefix of ['e', 'f']) {
    await batch(db, 'items', rowsOf(prefix, 2), (values) => {
      builds++;
      return db.insertInto('items').values([...values]);
    });
  }
  expect(builds).toBe(2);
});

it('builds a row with an expression value with Kysely, never from a cached shape', async () => {
  const batch = compiledRows(true);
  const insert = (value: string | ReturnType<typeof sql<string>>) =>
    batch(db, 'items', [{ key: `g${String(Math.random())}`, value }], (values) =>
      db
        .insertInto('items')
        .values([...values] as never)
        .returning('value'),
    );
  await insert('plain');
  expect(await insert(sql<string>`upper('x')`)).toEqual([{ value: 'X' }]);
});

it('a store and its transactions share their compiled shapes', async () => {
  const kdb = new Kysely<Database>({
    dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
  });
  try {
    await migrateToLatest(kdb, {
      autoIncrementType: 'integer',
      autoIncrementKeyword: true,
      blobType: 'blob',
    });
    const kit = batches(SQLITE_CAPABILITIES);
    let calls = 0;
    let builds = 0;
    const counting: Batches = batchesOf(kit.chunks, (d, key, rows, build) => {
      calls++;
      return kit.rows(d, key, rows, (r) => {
        builds++;
        return build(r);
      });
    });
    const store = kyselyStore(kdb, SQLITE_CAPABILITIES, {}, counting);
    const job = (ref: string) => ({ kind: 'k', ref, runAt: 1 });
    for (const ref of ['a', 'b', 'c']) {
      await store.transaction((tx) => tx.outbox.enqueue([job(ref)]));
    }
    await store.outbox.enqueue([job('d')]);
    // Every insert went through the store's helpers, and only the first was built.
    expect(calls).toBe(4);
    expect(builds).toBe(1);
    expect(await store.outbox.count(['k'])).toBe(4);
  } finally {
    await kdb.destroy();
  }
});
