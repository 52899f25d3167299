import type { StoreLog } from '../health.js';
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../schema.js';
import type { Store } from '../store.js';
import type { MigrationDialect } from '../migrations/index.js';
import {
  kyselyStore,
  logMigrations,
  migrateToLatest,
  type KyselyStoreHooks,
} from '../kysely/kysely.store.js';
import { postgresSignals } from './postgres.signals.js';
import { parsePostgresUrl } from './postgres.url.js';
import { prepareStatements } from './postgres.prepared.js';
import { POSTGRES_FAILURES } from './postgres.failures.js';
import { withEngineFailures } from '../kysely/failures.dialect.js';
import { unavailabilityFeed } from '../unavailable.js';

/** Options of the PostgreSQL store. */
export interface PostgresStoreOptions {
  /** `postgres://user:pass@host:port/db`, optionally with `?max=N` (pool size, default 10). */
  url: string;
  /** Migrations applied (info), lost connections (warn), LISTEN reconnects (error, info). */
  log?: StoreLog;
}

/** What the shared migrations need to know of PostgreSQL. */
export const POSTGRES_MIGRATION_DIALECT: MigrationDialect = {
  autoIncrementType: 'bigserial',
  autoIncrementKeyword: false,
  blobType: 'bytea',
};

/**
 * Key of the session-level advisory lock held while migrating: the ASCII bytes of `loftmigr`
 * read as a signed 64-bit integer. Every Loft process starting against the same database
 * takes it, so only one of them migrates and the others then find nothing left to do.
 */
export const MIGRATION_LOCK_KEY = '7813576528748963698';

const INT8_OID = 20;

/** A column value's parser (pg's own are typed `any`). */
type TypeParser = (value: string) => unknown;

/**
 * Type parsers of the pool: 64-bit integers (our epoch-ms timestamps, sequence numbers and
 * `count(*)`) come back as JS numbers rather than strings. Every such value Loft stores is far
 * below 2^53. `bytea` keeps the driver's default parser, which returns a Buffer.
 */
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary'): TypeParser =>
    oid === INT8_OID
      ? (value) => Number(value)
      : (pg.types.getTypeParser(oid, format) as TypeParser)) as typeof pg.types.getTypeParser,
};

/**
 * Runs every pending migration while holding a PostgreSQL advisory lock on one dedicated
 * connection, so processes starting at once against the same database migrate one after the
 * other: the first applies what is pending, the others find nothing left. Kysely's migrator
 * takes a lock of its own only around applying migrations; this one also covers creating its
 * bookkeeping tables, so the whole step is one critical section whatever the migrator does.
 */
export async function migratePostgres(db: Kysely<Database>): Promise<string[]> {
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)}::bigint)`.execute(conn);
    try {
      return await migrateToLatest(conn, POSTGRES_MIGRATION_DIALECT);
    } finally {
      // If the connection broke, the server dropped the lock with the session anyway.
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)}::bigint)`
        .execute(conn)
        .catch(() => undefined);
    }
  });
}

/**
 * The PostgreSQL store over any Kysely instance that speaks PostgreSQL (a `pg` pool here; an
 * embedded PGlite in tests): migrates, then serves the shared Kysely repositories.
 *
 * Several processes may share the database (`multiProcess`): jobs are claimed with
 * `FOR UPDATE SKIP LOCKED` and leases, which expire rather than being released at start-up.
 *
 * Erasure: a redaction or a media delete is an UPDATE/DELETE like any other, and no hook runs
 * after it. Under MVCC the old row version stays in the table's pages (and in WAL segments and
 * any base backups or replicas) until VACUUM reclaims the space and the page is overwritten;
 * autovacuum does the former in time, nothing guarantees the latter. Running VACUUM per request
 * would be costly and still not scrub WAL, so Loft does not: operators who need erasure on disk
 * rely on their database's encryption at rest and retention of WAL/backups.
 */
export async function postgresStore(
  db: Kysely<Database>,
  hooks: KyselyStoreHooks = {},
  log?: StoreLog,
): Promise<Store> {
  logMigrations(log, await migratePostgres(db));
  return kyselyStore(
    db,
    {
      engine: 'postgres',
      multiProcess: true,
      writers: 4,
      statementRows: { max: 500, powersOfTwo: false },
      multiTableInsert: true,
    },
    hooks,
  );
}

/** Opens a PostgreSQL store: a `pg` pool of `?max=` connections (default 10), migrated. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<Store> {
  const { connectionString, max, prepare } = parsePostgresUrl(options.url);
  const pool = new pg.Pool({ connectionString, max, types });
  // An idle pooled connection that breaks (server restart, network) is discarded by the pool;
  // without a listener the 'error' event would crash the process.
  pool.on('error', (err) =>
    options.log?.warn({ err }, 'PostgreSQL: an idle pooled connection broke (discarded)'),
  );
  // So would one that breaks while checked out (the pool listens only to idle ones): the
  // backend terminated (57P01), the server restarted. The query under way gets the error (a
  // StoreUnavailableError, 503), and the pool discards the connection when it comes back.
  pool.on('connect', (client) => {
    client.on('error', () => undefined);
    if (prepare) prepareStatements(client);
  });
  // SQLSTATEs such as 53100 (disk full), 25006 (read-only) and lost connections surface as
  // StoreUnavailableError (503), reported to `feed`.
  const feed = unavailabilityFeed();
  const db = new Kysely<Database>({
    dialect: withEngineFailures(new PostgresDialect({ pool }), POSTGRES_FAILURES, feed),
  });
  const signals = postgresSignals(pool, connectionString, options.log);
  try {
    return await postgresStore(
      db,
      {
        signals,
        unavailable: feed,
        // The pool's connections for `/metrics`: in use = total − idle; waiting = queued callers.
        stats: () =>
          Promise.resolve({
            pool: { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount },
          }),
        close: async () => {
          await signals.close();
          await db.destroy();
        },
      },
      options.log,
    );
  } catch (e) {
    await db.destroy();
    throw e;
  }
}
