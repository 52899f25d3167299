import type {
  CompiledQuery,
  DatabaseConnection,
  Dialect,
  Driver,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { StoreUnavailableError, type UnavailabilityFeed } from '../unavailable.js';

/** How an engine's adapter tells unavailability from other errors (its declared capability). */
export interface EngineFailures {
  /** The driver's error as a StoreUnavailableError when it means the store is unavailable. */
  classify(err: unknown): StoreUnavailableError | undefined;
  /**
   * Whether the connection still has a transaction open, where the engine can say. SQLite rolls
   * a transaction back by itself on SQLITE_FULL, SQLITE_IOERR, SQLITE_NOMEM…; the ROLLBACK that
   * follows then fails ("cannot rollback - no transaction is active") and would be thrown in
   * place of the real error. Left out, a failed ROLLBACK is ignored: on a server it means the
   * connection broke, and the pool discards a connection that did.
   */
  inTransaction?(): boolean;
}

/**
 * `dialect` whose driver raises StoreUnavailableError (reported to `feed` once per failed
 * operation) in place of the driver errors `failures.classify` recognises, and never lets a
 * failed ROLLBACK hide the error that caused it. Everything else passes through unchanged.
 */
export function withEngineFailures(
  dialect: Dialect,
  failures: EngineFailures,
  feed: UnavailabilityFeed,
): Dialect {
  const translate = (err: unknown): unknown => {
    if (err instanceof StoreUnavailableError) return err;
    const unavailable = failures.classify(err);
    if (!unavailable) return err;
    feed.report(unavailable);
    return unavailable;
  };
  return {
    createDriver: () => new FailureTranslatingDriver(dialect.createDriver(), failures, translate),
    createQueryCompiler: () => dialect.createQueryCompiler(),
    createAdapter: () => dialect.createAdapter(),
    createIntrospector: (db) => dialect.createIntrospector(db),
  };
}

/** A driver's connection whose failures are translated; one per underlying connection. */
class TranslatingConnection implements DatabaseConnection {
  constructor(
    readonly inner: DatabaseConnection,
    private readonly translate: (err: unknown) => unknown,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    try {
      // Some drivers throw synchronously (better-sqlite3 runs the statement right here): the
      // async function turns that into a rejection as well.
      return await this.inner.executeQuery<R>(query);
    } catch (err) {
      throw this.translate(err);
    }
  }

  async *streamQuery<R>(query: CompiledQuery, chunkSize?: number) {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize);
    } catch (err) {
      throw this.translate(err);
    }
  }
}

class FailureTranslatingDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, TranslatingConnection>();

  constructor(
    private readonly driver: Driver,
    private readonly failures: EngineFailures,
    private readonly translate: (err: unknown) => unknown,
  ) {}

  private async guard(op: () => Promise<void>): Promise<void> {
    try {
      await op();
    } catch (err) {
      throw this.translate(err);
    }
  }

  private unwrap(connection: DatabaseConnection): DatabaseConnection {
    return connection instanceof TranslatingConnection ? connection.inner : connection;
  }

  init(): Promise<void> {
    return this.guard(() => this.driver.init());
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let inner: DatabaseConnection;
    try {
      inner = await this.driver.acquireConnection();
    } catch (err) {
      throw this.translate(err);
    }
    let outer = this.wrapped.get(inner);
    if (!outer) {
      outer = new TranslatingConnection(inner, this.translate);
      this.wrapped.set(inner, outer);
    }
    return outer;
  }

  beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.driver.beginTransaction(this.unwrap(connection), settings));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.guard(() => this.driver.commitTransaction(this.unwrap(connection)));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    // Kysely rolls back after an error and throws the ROLLBACK's own error if it fails: the
    // error that made it roll back (a full disk, a lost connection) is what must surface.
    if (this.failures.inTransaction?.() === false) return;
    try {
      await this.driver.rollbackTransaction(this.unwrap(connection));
    } catch (err) {
      if (this.failures.inTransaction?.()) throw this.translate(err);
    }
  }

  savepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['savepoint']>>[2],
  ): Promise<void> {
    return this.guard(() => this.driver.savepoint!(this.unwrap(connection), name, compile));
  }

  rollbackToSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['rollbackToSavepoint']>>[2],
  ): Promise<void> {
    return this.guard(() =>
      this.driver.rollbackToSavepoint!(this.unwrap(connection), name, compile),
    );
  }

  releaseSavepoint(
    connection: DatabaseConnection,
    name: string,
    compile: Parameters<NonNullable<Driver['releaseSavepoint']>>[2],
  ): Promise<void> {
    return this.guard(() => this.driver.releaseSavepoint!(this.unwrap(connection), name, compile));
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    return this.driver.releaseConnection(this.unwrap(connection));
  }

  destroy(): Promise<void> {
    return this.driver.destroy();
  }
}
