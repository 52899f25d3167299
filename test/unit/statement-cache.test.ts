import SQLite from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/sqlite/statement-cache.js';

const conn = new SQLite(':memory:');
afterAll(() => conn.close());
const db = withStatementCache(conn);

it('reuses the compiled statement of a short SQL text', () => {
  expect(db.prepare('select 1 as one')).toBe(db.prepare('select 1 as one'));
});

it('prepares long (multi-row) SQL texts per call instead of keeping them', () => {
  const list = Array.from({ length: 5000 }, (_, i) => i).join(', ');
  const long = `select 4999 as n where 4999 in (${list})`;
  expect(long.length).toBeGreaterThan(16_384);
  const a = db.prepare(long);
  expect(db.prepare(long)).not.toBe(a);
  expect(a.all([])).toEqual([{ n: 4999 }]);
});
