import { PGlite, types } from '@electric-sql/pglite';
import {
  CompiledQuery,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  type TransactionSettings,
} from 'kysely';
import type { Database } from '../../src/store/schema.js';

/** One PGlite instance seen as a Kysely connection. */
class PGliteConnection implements DatabaseConnection {
  constructor(private readonly pg: PGlite) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const r = await this.pg.query<R>(compiled.sql, [...compiled.parameters]);
    const changes = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(r.command ?? '');
    return {
      rows: r.rows ?? [],
      ...(changes && { numAffectedRows: BigInt(r.rowCount ?? r.affectedRows ?? 0) }),
    };
  }

  streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error('streaming is not supported on PGlite');
  }
}

/**
 * PGlite is a single connection: callers take turns. A transaction holds the connection from
 * BEGIN to COMMIT, so concurrent transactions serialise (as they do on SQLite).
 */
class PGliteDriver implements Driver {
  private readonly connection: PGliteConnection;
  private queue: Promise<void> = Promise.resolve();
  private release: (() => void) | null = null;

  constructor(private readonly pg: PGlite) {
    this.connection = new PGliteConnection(pg);
  }

  async init(): Promise<void> {
    await this.pg.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const previous = this.queue;
    let release!: () => void;
    this.queue = new Promise<void>((r) => (release = r));
    await previous;
    this.release = release;
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const level = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : '';
    await conn.executeQuery(CompiledQuery.raw(`start transaction${level}`));
  }

  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw('rollback'));
  }

  releaseConnection(): Promise<void> {
    const release = this.release;
    this.release = null;
    release?.();
    return Promise.resolve();
  }

  async destroy(): Promise<void> {
    if (!this.pg.closed) await this.pg.close();
  }
}

/** A Kysely dialect over an embedded PGlite (PostgreSQL compiled to WebAssembly). */
export class PGliteDialect implements Dialect {
  constructor(private readonly pg: PGlite) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver() {
    return new PGliteDriver(this.pg);
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
}

/**
 * A fresh in-memory PGlite with the same value conventions as the `pg` pool of the real store:
 * 64-bit integers as numbers. (`bytea` comes back as a Uint8Array; the media repository turns
 * it into a Buffer.) `image` (a `dumpDataDir()` tarball) starts it from a saved data directory,
 * which skips initdb and is several times faster.
 */
export async function openPGlite(image?: Blob): Promise<{ db: Kysely<Database>; pg: PGlite }> {
  const pg = await PGlite.create({
    parsers: { [types.INT8]: (v: string) => Number(v) },
    ...(image && { loadDataDir: image }),
  });
  return { db: new Kysely<Database>({ dialect: new PGliteDialect(pg) }), pg };
}
