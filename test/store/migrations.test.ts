import SQLite from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect, sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { migrationProvider, type MigrationDialect } from '../../src/store/migrations/index.js';
import { POSTGRES_MIGRATION_DIALECT } from '../../src/store/postgres/postgres.store.js';
import { kyselyStore } from '../../src/store/kysely/kysely.store.js';
import type { Database } from '../../src/store/schema.js';
import { openPGlite } from '../support/pglite.dialect.js';

// Migrations over existing data, on both engines: 007 rebuilds message_events with an id and
// must keep every event, in order.
const SQLITE: MigrationDialect = {
  autoIncrementType: 'integer',
  autoIncrementKeyword: true,
  blobType: 'blob',
};

const engines: {
  name: string;
  open: () => Promise<Kysely<Database>>;
  dialect: MigrationDialect;
}[] = [
  {
    name: 'sqlite',
    open: async () =>
      new Kysely<Database>({ dialect: new SqliteDialect({ database: new SQLite(':memory:') }) }),
    dialect: SQLITE,
  },
  {
    name: 'pglite',
    open: async () => (await openPGlite()).db,
    dialect: POSTGRES_MIGRATION_DIALECT,
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

      const store = kyselyStore(db, {
        engine: 'sqlite',
        multiProcess: false,
        writers: 1,
        statementRows: { max: 64, powersOfTwo: true },
      });
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
  });
}
