import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';
import type { Store } from '../store.js';
import { kyselyStore, migrateToLatest } from '../kysely/kysely.store.js';
import { withStatementCache } from './statement-cache.js';
import { localSignals } from '../local-signals.js';

/** Options of the embedded store. */
export interface SqliteStoreOptions {
  /** File path, or `:memory:`. Parent directories are created. */
  path: string;
}

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. Single-process: jobs are
 * claimed in-process, so `multiProcess` is false. `secure_delete` makes a redacted body or a
 * deleted message leave no bytes behind in freed pages.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const conn = new SQLite(options.path);
  conn.pragma('journal_mode = WAL');
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or power
  // loss can roll back the last transactions.
  conn.pragma('synchronous = NORMAL');
  conn.pragma('secure_delete = ON');
  conn.pragma('foreign_keys = ON');
  conn.pragma('busy_timeout = 5000');
  const db = new Kysely<Database>({
    dialect: new SqliteDialect({ database: withStatementCache(conn) }),
  });
  await migrateToLatest(db, {
    autoIncrementType: 'integer',
    autoIncrementKeyword: true,
    blobType: 'blob',
  });
  return kyselyStore(
    db,
    { engine: 'sqlite', multiProcess: false },
    {
      // The WAL still holds the page as it was before a redaction; fold it back and truncate.
      // Through Kysely, so it waits for the connection like any query; a busy checkpoint is
      // retried by the next erase or by SQLite's own auto-checkpoint, never failing the request.
      signals: localSignals(),
      afterErase: async () => {
        await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db).catch(() => {});
      },
    },
  );
}
