import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider, type MigrationDialect } from '../../src/store/migrations/index.js';
import { POSTGRES_MIGRATION_DIALECT } from '../../src/store/postgres/postgres.store.js';
import { kyselyStore } from '../../src/store/kysely/kysely.store.js';
import { SQLITE_CAPABILITIES } from '../../src/store/sqlite/sqlite.store.js';
import type { Database } from '../../src/store/schema.js';
import { openPGlite, PGliteDialect } from '../support/pglite.dialect.js';
import { messageRecord, T0 } from '../support/records.js';

// Migrations over existing data, on both engines: 007 rebuilds message_events with an id and
// must keep every event, in order.
const SQLITE: MigrationDialect = {
  autoIncrementType: 'integer',
  autoIncrementKeyword: true,
  blobType: 'blob',
};

/** Every statement a test's Kysely ran, with its parameters (for EXPLAIN). */
type Ran = { sql: string; parameters: readonly unknown[] }[];

/** Runs `prefix` + a statement the store ran, with the same parameters. */
async function explain<R>(db: Kysely<Database>, prefix: string, q: Ran[number]): Promise<R[]> {
  const query = sql.raw(`${prefix} ${q.sql}`).toOperationNode();
  const r = await db.executeQuery<R>({
    query,
    sql: `${prefix} ${q.sql}`,
    parameters: q.parameters,
    queryId: { queryId: 'explain' },
  });
  return r.rows;
}

const engines: {
  name: string;
  open: (ran?: Ran) => Promise<Kysely<Database>>;
  dialect: MigrationDialect;
  /** The names of the indexes the plan of `q` reads. */
  plan: (db: Kysely<Database>, q: Ran[number]) => Promise<string>;
  /** Whether index `name` has a WHERE clause (is partial). */
  partial: (db: Kysely<Database>, name: string) => Promise<boolean>;
  indexExists: (db: Kysely<Database>, name: string) => Promise<boolean>;
}[] = [
  {
    name: 'sqlite',
    open: (ran) =>
      Promise.resolve(
        new Kysely<Database>({
          dialect: new SqliteDialect({ database: new SQLite(':memory:') }),
          log: (e) => void ran?.push(e.query),
        }),
      ),
    dialect: SQLITE,
    plan: async (db, q) => {
      const rows = await explain<{ detail: string }>(db, 'explain query plan', q);
      return rows.map((r) => r.detail).join('\n');
    },
    partial: async (db, name) => {
      const r = await sql<{
        sql: string;
      }>`select sql from sqlite_master where name = ${name}`.execute(db);
      return / where /i.test(r.rows[0]?.sql ?? '');
    },
    indexExists: async (db, name) =>
      (await sql`select 1 from sqlite_master where type = 'index' and name = ${name}`.execute(db))
        .rows.length === 1,
  },
  {
    name: 'pglite',
    open: async (ran) => {
      const { pg } = await openPGlite();
      return new Kysely<Database>({
        dialect: new PGliteDialect(pg),
        log: (e) => void ran?.push(e.query),
      });
    },
    dialect: POSTGRES_MIGRATION_DIALECT,
    plan: async (db, q) => {
      // A handful of rows: without this the planner rightly prefers reading the table.
      await sql`set enable_seqscan = off`.execute(db);
      const rows = await explain<{ 'QUERY PLAN': string }>(db, 'explain', q);
      return rows.map((r) => r['QUERY PLAN']).join('\n');
    },
    partial: async (db, name) => {
      const r = await sql<{
        indexdef: string;
      }>`select indexdef from pg_indexes where indexname = ${name}`.execute(db);
      return / WHERE /.test(r.rows[0]?.indexdef ?? '');
    },
    indexExists: async (db, name) =>
      (await sql`select 1 from pg_indexes where indexname = ${name}`.execute(db)).rows.length === 1,
  },
];

let db: Kysely<Database> | undefined;
afterEach(async () => {
  await db?.destroy();
  db = undefined;
});

for (const engine of engines) {
  describe(`migrations on ${engine.name}`, () => {
    it('007 keeps the status history of existing messages, in order, and orders new ties', async () => {
      db = await engine.open();
      const migrator = new Migrator({ db, provider: migrationProvider(engine.dialect) });
      expect((await migrator.migrateTo('006_optout')).error).toBeUndefined();
      const old = [
        { message_sid: 'SM1', status: 'queued', error_code: null, at: 1_700_000_000_000 },
        { message_sid: 'SM1', status: 'sent', error_code: null, at: 1_700_000_000_005 },
        { message_sid: 'SM1', status: 'undelivered', error_code: 30003, at: 1_700_000_000_009 },
        { message_sid: 'SM2', status: 'queued', error_code: null, at: 1_700_000_000_001 },
      ];
      // Before 007 the table has no id column: insert without one.
      await sql`insert into message_events (message_sid, status, error_code, at) values
        ${sql.join(old.map((e) => sql`(${e.message_sid}, ${e.status}, ${e.error_code}, ${e.at})`))}`.execute(
        db,
      );
      const { error, results } = await migrator.migrateToLatest();
      expect(error).toBeUndefined();
      expect(results?.map((r) => r.migrationName)).toContain('007_event_order');

      const store = kyselyStore(db, SQLITE_CAPABILITIES);
      expect(await store.messages.history('SM1')).toEqual([
        { status: 'queued', errorCode: null, at: 1_700_000_000_000 },
        { status: 'sent', errorCode: null, at: 1_700_000_000_005 },
        { status: 'undelivered', errorCode: 30003, at: 1_700_000_000_009 },
      ]);
      expect(await store.messages.history('SM2')).toHaveLength(1);
      // New events get ids after the copied ones.
      const ids = await db.selectFrom('message_events').select('id').orderBy('id').execute();
      expect(ids).toHaveLength(4);
      await db
        .insertInto('message_events')
        .values({ message_sid: 'SM2', status: 'sent', error_code: null, at: 1_700_000_000_001 })
        .execute();
      expect((await store.messages.history('SM2')).map((e) => e.status)).toEqual([
        'queued',
        'sent',
      ]);
    });

    it('009: DateSent lists still seek the DateSent indexes, now partial (unsent messages are not in them)', async () => {
      const ran: Ran = [];
      db = await engine.open(ran);
      const { error } = await new Migrator({
        db,
        provider: migrationProvider(engine.dialect),
      }).migrateToLatest();
      expect(error).toBeUndefined();
      expect(await engine.partial(db, 'messages_sent')).toBe(true);
      expect(await engine.partial(db, 'messages_to_sent')).toBe(true);
      expect(await engine.partial(db, 'messages_account_seq')).toBe(false);
      expect(await engine.indexExists(db, 'messages_carrier_ref')).toBe(false);
      expect(await engine.indexExists(db, 'messages_from_seq')).toBe(true);

      const store = kyselyStore(db, {
        ...SQLITE_CAPABILITIES,
        engine: engine.name === 'sqlite' ? 'sqlite' : 'postgres',
      });
      const AC = 'AC' + 'a'.repeat(32);
      const sent = messageRecord(AC, { to: '+14155550100', dateSent: T0, status: 'delivered' });
      const queued = messageRecord(AC, { to: '+14155550100', dateSent: null, status: 'queued' });
      await store.messages.insertMany([{ message: sent }, { message: queued }]);
      const window = { accountSid: AC, tags: [], sentFrom: T0 - 1000, sentTo: T0 + 1000 };
      const page = { limit: 50, direction: 'after' as const };
      // Each variant: the rows it finds (NULLs never matched a DateSent bound) and the index
      // its plan reads.
      const variants = [
        { filter: window, index: 'messages_sent' },
        { filter: { ...window, sentTo: undefined }, index: 'messages_sent' },
        // To + a window: without statistics SQLite picks messages_sent here; the store gathers
        // them (sqlite.checkpoint.test.ts checks that plan), so only PostgreSQL is asked.
        ...(engine.name === 'sqlite'
          ? []
          : [{ filter: { ...window, to: sent.to }, index: 'messages_to_sent' }]),
        { filter: { ...window, sentFrom: undefined, to: sent.to }, index: 'messages_to_sent' },
      ];
      for (const v of variants) {
        ran.length = 0;
        const rows = await store.messages.list(v.filter, page);
        expect(rows.map((m) => m.sid)).toEqual([sent.sid]);
        const q = ran.find((r) => /from "messages"/.test(r.sql));
        expect(q).toBeDefined();
        expect(await engine.plan(db, q as Ran[number])).toContain(v.index);
      }
    });
  });
}
