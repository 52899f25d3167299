import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { Store, StoreCapabilities } from '../store.js';
import { kyselyStore, logMigrations, migrateToLatest } from '../kysely/kysely.store.js';
import type { StoreLog } from '../health.js';
import { withStatementCache } from './statement-cache.js';
import { localSignals } from '../local-signals.js';
import { startCheckpointer, type Checkpointer } from './checkpointer.js';
import { startStatistics, type StatisticsOptions } from './statistics.js';
import { sqliteFailures, sqliteUnavailable } from './sqlite.failures.js';
import { withEngineFailures } from '../kysely/failures.dialect.js';
import { unavailabilityFeed } from '../unavailable.js';
import { BoundedWalDialect, restartBytes, type WalBoundOptions } from './wal-bound.js';

/** What the embedded store declares (see {@link StoreCapabilities}). */
export const SQLITE_CAPABILITIES: StoreCapabilities = {
  engine: 'sqlite',
  multiProcess: false,
  writers: 1,
  statementRows: { max: 64, powersOfTwo: true },
  multiTableInsert: false,
};

/** Options of the embedded store. */
export interface SqliteStoreOptions {
  /** File path, or `:memory:`. Parent directories are created. */
  path: string;
  /** Timing of the planner statistics checks (see statistics.ts). */
  statistics?: StatisticsOptions;
  /**
   * Most bytes the WAL file may hold (see wal-bound.ts): 64 MB; 0 leaves it unbounded (only
   * the background PASSIVE checkpoints, which cannot keep up with a sustained write load).
   */
  walLimitBytes?: number;
  /** A WAL left unwritten this long is truncated (1 s). */
  walIdleMs?: number;
  /** Told when the WAL cannot be kept within its bound (a reader holds an old snapshot). */
  onWarning?: (message: string) => void;
  /** Migrations applied (info) and background errors (error): checkpoints, WAL folds. */
  log?: StoreLog;
}

/** How long a statement waits for another connection's lock (and the switch to WAL, in all). */
const BUSY_TIMEOUT_MS = 5_000;

/** SQLite's "database is locked": another connection holds what this one needs. */
const busy = (e: unknown): boolean => (e as { code?: string }).code === 'SQLITE_BUSY';

/** The default bound of the WAL file: 64 MB. */
export const DEFAULT_WAL_LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * The embedded store: one better-sqlite3 connection in WAL mode. Single-process: jobs are
 * claimed in-process, so `multiProcess` is false. `secure_delete` makes a redacted body or a
 * deleted message leave no bytes behind in freed pages.
 */
export async function openSqliteStore(options: SqliteStoreOptions): Promise<Store> {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const conn = new SQLite(options.path);
  conn.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  await enterWal(conn);
  // NORMAL in WAL mode: a commit survives a process crash (kill -9); only an OS crash or power
  // loss can roll back the last transactions.
  conn.pragma('synchronous = NORMAL');
  conn.pragma('secure_delete = ON');
  conn.pragma('foreign_keys = ON');
  // 32 MB of page cache (default 2 MB): the list indexes' upper levels and the newest pages
  // stay in memory at a million messages, and inserts stop re-reading them.
  conn.pragma('cache_size = -32000');
  const walLimit = options.walLimitBytes ?? DEFAULT_WAL_LIMIT_BYTES;
  const file = options.path !== ':memory:';
  const walPath = `${options.path}-wal`;
  /** The `-wal` file's size; 0 while there is none (before the first write). */
  const walSize = () => statSync(walPath, { throwIfNoEntry: false })?.size ?? 0;
  if (file && walLimit > 0) {
    // The first commit after the WAL starts over from the top cuts the file back to this size
    // (see wal-bound.ts; also with SQLite's own checkpoints, should the checkpointer fail).
    conn.pragma(`journal_size_limit = ${restartBytes(walLimit)}`);
    // A WAL left past half its bound (a crash under load, or another process's): fold it into
    // the database file and truncate it before anything else is written.
    if (walSize() > restartBytes(walLimit)) {
      conn.pragma('wal_checkpoint(TRUNCATE)');
    }
  }
  let checkpointer: Checkpointer | undefined;
  if (file) {
    // Checkpoints run on a worker thread (see checkpointer.ts); SQLite's own again if it fails.
    conn.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(options.path, {
      onFailure: (err) => {
        options.log?.error(
          { err },
          "SQLite checkpointer failed: SQLite's own checkpoints take over (wal_autocheckpoint)",
        );
        conn.pragma('wal_autocheckpoint = 1000');
      },
    });
  }
  const bound: WalBoundOptions | undefined =
    checkpointer && walLimit > 0
      ? {
          walPath,
          limitBytes: walLimit,
          checkpointer,
          inTransaction: () => conn.inTransaction,
          ...(options.walIdleMs !== undefined && { idleMs: options.walIdleMs }),
          ...(options.onWarning && { onWarning: options.onWarning }),
        }
      : undefined;
  // A full disk or a read-only file surfaces as StoreUnavailableError (503), reported to `feed`.
  const feed = unavailabilityFeed();
  const db = new Kysely<Database>({
    dialect: withEngineFailures(
      new BoundedWalDialect({ database: withStatementCache(conn) }, bound),
      sqliteFailures(conn, options.path),
      feed,
    ),
  });
  const migrated = await withWriteLock(conn, () =>
    migrateToLatest(db, {
      autoIncrementType: 'integer',
      autoIncrementKeyword: true,
      blobType: 'blob',
    }),
  );
  logMigrations(options.log, migrated);
  const statistics = await startStatistics(db, options.statistics);
  return kyselyStore(db, SQLITE_CAPABILITIES, {
    signals: localSignals(),
    unavailable: feed,
    close: async () => {
      statistics.stop();
      await checkpointer?.stop();
      await db.destroy();
    },
    // The WAL file's size (`/metrics`): it grows when checkpoints fall behind the writes.
    ...(file && {
      stats: () => Promise.resolve({ walBytes: walSize() }),
    }),
    // The WAL still holds the page as it was before a redaction; fold it back and truncate.
    // Through Kysely, so it waits for the connection like any query.
    afterErase: coalesced(() => foldWal(db, options.log)),
  });
}

/**
 * Switches the connection to WAL mode. Two processes opening a new file at once (`loft serve
 * --workers off` and `loft worker`) both switch it, and SQLite answers the one that finds the
 * other mid-switch SQLITE_BUSY at once, without waiting on its busy handler: tried again every
 * 10 ms for up to the busy timeout.
 */
async function enterWal(conn: SQLite.Database): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      conn.pragma('journal_mode = WAL');
      return;
    } catch (e) {
      if (!busy(e) || Date.now() > deadline) throw e;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Runs `fn` (the migrations) inside one `BEGIN IMMEDIATE` transaction: it holds the database's
 * write lock, so processes opening one file at once migrate one after the other, like
 * PostgreSQL's advisory lock: the first applies what is pending, the others then find nothing
 * left. Kysely's migrator takes no lock on SQLite and runs each statement on its own; here the
 * whole step also commits or rolls back as one. A process that finds the lock taken waits for it
 * (each attempt waits `busy_timeout`), however long the other's migrations take.
 */
async function withWriteLock<T>(conn: SQLite.Database, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      conn.exec('BEGIN IMMEDIATE');
      break;
    } catch (e) {
      if (!busy(e)) throw sqliteUnavailable(e) ?? e;
    }
  }
  try {
    const result = await fn();
    conn.exec('COMMIT');
    return result;
  } catch (e) {
    if (conn.inTransaction) conn.exec('ROLLBACK');
    throw sqliteUnavailable(e) ?? e;
  }
}

/**
 * Folds the WAL back into the database file and truncates it, so an erased value's old page
 * image is gone from both. The background checkpointer may be mid-checkpoint (SQLite runs one
 * at a time): retry for up to a second, then leave it to the next erase or checkpoint rather
 * than fail the request.
 */
async function foldWal(db: Kysely<Database>, log?: StoreLog): Promise<void> {
  let failure: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    const r = await sql<{ busy: number }>`pragma wal_checkpoint(TRUNCATE)`
      .execute(db)
      .catch((err: unknown) => void (failure = err));
    if (r?.rows[0]?.busy === 0) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  log?.error(
    { err: failure, attempts: 100 },
    'WAL fold after an erasure gave up (busy): the erased values stay in the WAL until the next checkpoint',
  );
}

/**
 * Runs `task` for every caller, but shares runs: a caller arriving while a run is under way
 * waits for the next one (which starts after that run and so covers its commits), and every
 * caller arriving meanwhile shares that next run. A burst of erasures costs two checkpoints,
 * not one each.
 */
function coalesced(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | undefined;
  let next: Promise<void> | undefined;
  const start = (): Promise<void> => {
    const run = task().finally(() => {
      if (running === run) running = undefined;
    });
    running = run;
    return run;
  };
  return () => {
    if (!running) return start();
    // After a failed run too: the next caller's commits still need their checkpoint.
    next ??= running
      .catch(() => undefined)
      .then(() => {
        next = undefined;
        return start();
      });
    return next;
  };
}
