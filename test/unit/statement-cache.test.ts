import SQLite from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { withStatementCache } from '../../src/store/sqlite/statement-cache.js';

const conn = new SQLite(':memory:');
afterAll(() => conn.close());
const db = withStatementCache(conn);

/** `select n where n in (0, 1, …)`: a valid SQL text of about `length` characters. */
const inList = (n: number, length: number) => {
  const list: number[] = [];
  let size = 40;
  for (let i = 0; size < length; i++) {
    list.push(i);
    size += String(i).length + 2;
  }
  return `select ${n} as n where ${n} in (${n}, ${list.join(', ')})`;
};

it('reuses the compiled statement of a short SQL text', () => {
  expect(db.prepare('select 1 as one')).toBe(db.prepare('select 1 as one'));
});

it('keeps multi-row texts of a few KB compiled too (the slices of batch statements)', () => {
  const sql = inList(7, 9_000);
  expect(sql.length).toBeGreaterThan(2048);
  const a = db.prepare(sql);
  expect(db.prepare(sql)).toBe(a);
  expect(a.all([])).toEqual([{ n: 7 }]);
});

it('keeps only the 64 most recently used long texts', () => {
  const first = inList(1000, 3_000);
  const a = db.prepare(first);
  for (let i = 0; i < 63; i++) db.prepare(inList(2000 + i, 3_000));
  expect(db.prepare(first)).toBe(a); // used again: now the most recent
  for (let i = 0; i < 63; i++) db.prepare(inList(3000 + i, 3_000));
  expect(db.prepare(first)).toBe(a); // the 63 older ones went first
  for (let i = 0; i < 64; i++) db.prepare(inList(4000 + i, 3_000));
  expect(db.prepare(first)).not.toBe(a);
});

it('prepares very long SQL texts per call instead of keeping them', () => {
  const long = inList(4999, 20_000);
  expect(long.length).toBeGreaterThan(16_384);
  const a = db.prepare(long);
  expect(db.prepare(long)).not.toBe(a);
  expect(a.all([])).toEqual([{ n: 4999 }]);
});
