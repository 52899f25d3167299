import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import { expect, it } from 'vitest';
import { withEngineFailures } from '../../src/store/kysely/failures.dialect.js';
import { postgresUnavailable } from '../../src/store/postgres/postgres.failures.js';
import { sqliteFailures } from '../../src/store/sqlite/sqlite.failures.js';
import { unavailabilityFeed, type StoreUnavailableError } from '../../src/store/unavailable.js';

// Real SQLite errors on a real connection, through Kysely as the store runs it: SQLITE_FULL
// from `max_page_count` (SQLite's own "database or disk is full", which also rolls the
// transaction back by itself) and SQLITE_READONLY from `query_only`.

/** A one-table database, Kysely over it with or without the failure translation. */
function database(translate: boolean) {
  const conn = new SQLite(':memory:');
  conn.exec('create table t (x)');
  const feed = unavailabilityFeed();
  const reported: StoreUnavailableError[] = [];
  feed.subscribe((e) => reported.push(e));
  const dialect = new SqliteDialect({ database: conn });
  const db = new Kysely<Record<string, never>>({
    dialect: translate
      ? withEngineFailures(dialect, sqliteFailures(conn, ':memory:'), feed)
      : dialect,
  });
  const full = () => {
    const pages = conn.pragma('page_count', { simple: true }) as number;
    conn.pragma(`max_page_count = ${pages}`);
  };
  const write = (trx: Kysely<Record<string, never>>) =>
    sql`insert into t values (randomblob(100000))`.execute(trx);
  return { conn, db, reported, full, write };
}

it('without the translation, a full database surfaces as the ROLLBACK that follows (the bug)', async () => {
  const { db, full, write } = database(false);
  full();
  await expect(db.transaction().execute(write)).rejects.toThrow(
    'cannot rollback - no transaction is active',
  );
  await db.destroy();
});

it('SQLITE_FULL in a transaction surfaces as itself, typed, reported once', async () => {
  const { conn, db, reported, full, write } = database(true);
  full();
  await expect(db.transaction().execute(write)).rejects.toMatchObject({
    name: 'StoreUnavailableError',
    kind: 'disk_full',
    code: 'SQLITE_FULL',
    message: 'SQLITE_FULL: database or disk is full',
  });
  expect(reported.map((e) => e.code)).toEqual(['SQLITE_FULL']);
  expect(conn.inTransaction).toBe(false);
  // Outside a transaction too; and the connection works again once there is room.
  await expect(write(db)).rejects.toMatchObject({ code: 'SQLITE_FULL' });
  conn.pragma('max_page_count = 1000000');
  await db.transaction().execute(write);
  await db.destroy();
});

it('SQLITE_READONLY: the transaction is rolled back, the error surfaces', async () => {
  const { conn, db, reported, write } = database(true);
  conn.pragma('query_only = 1');
  await expect(db.transaction().execute(write)).rejects.toMatchObject({
    kind: 'read_only',
    code: 'SQLITE_READONLY',
  });
  expect(conn.inTransaction).toBe(false);
  expect(reported).toHaveLength(1);
  // Errors that are not the store's pass through untouched.
  conn.pragma('query_only = 0');
  await expect(sql`insert into nowhere values (1)`.execute(db)).rejects.toThrow(
    'no such table: nowhere',
  );
  expect(reported).toHaveLength(1);
  await db.destroy();
});

it('PostgreSQL: SQLSTATEs, socket errors and lost connections, not statement errors', () => {
  const kind = (err: unknown) => {
    const u = postgresUnavailable(err);
    return u && `${u.kind} ${u.code}`;
  };
  expect(kind({ code: '53100', message: 'could not extend file' })).toBe('disk_full 53100');
  expect(kind({ code: '25006', message: 'read-only' })).toBe('read_only 25006');
  expect(kind({ code: '57P01', message: 'terminating connection' })).toBe('connection 57P01');
  expect(kind({ code: '08006', message: 'connection failure' })).toBe('connection 08006');
  expect(kind({ code: '53300', message: 'too many connections' })).toBe('exhausted 53300');
  expect(kind({ code: 'ECONNREFUSED', message: 'connect' })).toBe('connection ECONNREFUSED');
  expect(kind(new Error('Connection terminated unexpectedly'))).toBe('connection CONNECTION_LOST');
  expect(kind({ code: '23505', message: 'duplicate key' })).toBeUndefined();
  expect(kind({ code: '22P02', message: 'invalid input syntax' })).toBeUndefined();
  expect(kind(new Error('something else'))).toBeUndefined();
});
