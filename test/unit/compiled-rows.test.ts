import SQLite from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { compiledRows } from '../../src/store/kysely/compiled-rows.js';

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
  const batch = compiledRows();
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
