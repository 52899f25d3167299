import { statSync, type Stats } from 'node:fs';
import { SqliteDialect } from 'kysely';
import type { DatabaseConnection, Driver, SqliteDialectConfig } from 'kysely';
import type { Checkpointer } from './checkpointer.js';

/** Options of {@link boundedWal}. */
export interface WalBoundOptions {
  /** The WAL file (`<database>-wal`). */
  walPath: string;
  /** Most bytes the WAL file may hold. */
  limitBytes: number;
  /** Completes the checkpoints (a worker thread with its own connection). */
  checkpointer: Checkpointer;
  /** A WAL left unwritten this long (and not empty) is truncated: 1 s. */
  idleMs?: number;
  /** Wait before trying again after a checkpoint that could not complete: 1 s. */
  retryMs?: number;
  /** Told when the WAL stays past its restart size because a checkpoint could not complete. */
  onWarning?: (message: string) => void;
  /**
   * Whether the connection is inside a transaction begun outside Kysely (the migrations'
   * `BEGIN IMMEDIATE`): no checkpoint is asked for then, as it would wait for that very one.
   */
  inTransaction?: () => boolean;
}

const MB = 1024 * 1024;
const mb = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;

/**
 * The size at which the WAL starts over from the top: half the bound. The connection's
 * `journal_size_limit` must be set to it: the first commit after a restart cuts the file back to
 * it. The other half is headroom for the one transaction that crosses it before the next check.
 */
export const restartBytes = (limitBytes: number): number => Math.floor(limitBytes / 2);

/**
 * Keeps the WAL file below `limitBytes` by wrapping the store's Kysely driver (one connection).
 *
 * SQLite appends every commit to the WAL and starts it over from the top only when a
 * checkpoint has copied all of it into the database file and no reader still reads from it; the
 * PASSIVE checkpoints of checkpointer.ts never get there under continuous writes, so the WAL grew
 * without end (643 MB in 12 s at full load in issue 16's probe), and the file never shrinks by
 * itself (sqlite.org/wal.html, "Avoiding Excessively Large WAL Files").
 *
 * Here, each time the connection is handed to a query or a transaction, the WAL file's size is
 * read (one `stat`, ~2 µs). Past {@link restartBytes}, that query waits, holding the connection,
 * while the checkpointer copies what is left and completes a RESTART checkpoint (a few to a few
 * tens of ms: the PASSIVE checkpoints have copied most of it); every query after it waits for the
 * connection as usual. RESTART waits for readers still using the WAL, so that the next writer
 * starts it over (sqlite.org/c3ref/wal_checkpoint_v2.html). That is the back-pressure: writes go no faster than the checkpoints. The next commit
 * writes the WAL from the top and cuts the file back to {@link restartBytes}
 * (`journal_size_limit`, sqlite.org/pragma.html#pragma_journal_size_limit), so the file passes
 * that size by no more than the transactions already under way: one per process on the file.
 * Holding the connection means no transaction of this process is open during the checkpoint
 * (the checkpoint would wait for it, or it for the checkpoint). A RESTART rather than a TRUNCATE
 * under load: truncating a 30 MB file and growing it again costs ~10 ms each time.
 *
 * A reader elsewhere holding an old snapshot (another process, a backup) stops the checkpoint:
 * after the checkpointer's `busyMs`, the query goes on, `onWarning` says why (once, until a
 * checkpoint completes again), and the checkpoint is tried again `retryMs` later. The bound then
 * holds again once the reader is done; a stuck reader slows writes but never stops them.
 *
 * A WAL left unwritten (same size and modification time) for `idleMs` is truncated to zero
 * bytes the same way (TRUNCATE), so the file shrinks to nothing once the load ends.
 */
export function boundedWal(inner: Driver, options: WalBoundOptions): Driver {
  const { walPath, limitBytes, checkpointer } = options;
  const restartAt = restartBytes(limitBytes);
  const retryMs = options.retryMs ?? 1000;
  let retryAt = -Infinity;
  let warned = false;
  // The WAL file as a completed RESTART left it: until a commit changes it, it needs no other.
  let restarted: string | undefined;
  let idleSeen: string | undefined;
  let idleFailed: string | undefined;
  let idleRun: Promise<void> | undefined;

  const walFile = () => statSync(walPath, { throwIfNoEntry: false });
  const signature = (f: Stats | undefined) => (f ? `${f.size}:${f.mtimeMs}` : '');

  /** Runs a checkpoint while this process holds the connection. */
  const complete = async (mode: 'RESTART' | 'TRUNCATE'): Promise<boolean> => {
    const r = await checkpointer.checkpoint(mode);
    const after = walFile();
    if (r.done) {
      warned = false;
      restarted = signature(after);
    } else if (mode === 'RESTART') {
      retryAt = performance.now() + retryMs;
      if (!warned && checkpointer.alive) {
        warned = true;
        options.onWarning?.(
          `SQLite WAL at ${mb(after?.size ?? 0)}: a checkpoint could not complete within ` +
            `${r.ms} ms (another connection holds a read transaction or the write lock); ` +
            `writes go on past its ${mb(limitBytes)} bound, retried every ${retryMs} ms`,
        );
      }
    }
    return r.done;
  };

  /** Whether the query about to run must first wait for a RESTART checkpoint. */
  const mustRestart = (): boolean => {
    if (!checkpointer.alive || performance.now() < retryAt || options.inTransaction?.()) {
      return false;
    }
    const f = walFile();
    return f !== undefined && f.size > restartAt && signature(f) !== restarted;
  };

  const idle = setInterval(() => {
    const seen = signature(walFile());
    const busy = idleRun || !checkpointer.alive || options.inTransaction?.();
    if (seen === '' || seen.startsWith('0:') || busy) {
      idleSeen = undefined;
      return;
    }
    // Unchanged since the last tick, and not already tried in this very state (a reader that
    // blocks it is waited out until the WAL changes).
    if (seen === idleSeen && seen !== idleFailed) {
      idleRun = (async () => {
        const conn = await inner.acquireConnection();
        try {
          idleFailed = (await complete('TRUNCATE')) ? undefined : seen;
        } finally {
          idleRun = undefined;
          await inner.releaseConnection(conn);
        }
      })();
    }
    idleSeen = seen;
  }, options.idleMs ?? 1000);
  idle.unref();

  return {
    init: inner.init.bind(inner),
    async acquireConnection(): Promise<DatabaseConnection> {
      const conn = await inner.acquireConnection();
      try {
        if (mustRestart()) await complete('RESTART');
      } catch (e) {
        await inner.releaseConnection(conn);
        throw e;
      }
      return conn;
    },
    beginTransaction: inner.beginTransaction.bind(inner),
    commitTransaction: inner.commitTransaction.bind(inner),
    rollbackTransaction: inner.rollbackTransaction.bind(inner),
    savepoint: inner.savepoint?.bind(inner),
    rollbackToSavepoint: inner.rollbackToSavepoint?.bind(inner),
    releaseSavepoint: inner.releaseSavepoint?.bind(inner),
    releaseConnection: inner.releaseConnection.bind(inner),
    async destroy() {
      clearInterval(idle);
      await idleRun;
      await inner.destroy();
    },
  };
}

/** Kysely's SQLite dialect, its driver wrapped by {@link boundedWal} when `bound` is given. */
export class BoundedWalDialect extends SqliteDialect {
  readonly #bound: WalBoundOptions | undefined;

  constructor(config: SqliteDialectConfig, bound: WalBoundOptions | undefined) {
    super(config);
    this.#bound = bound;
  }

  override createDriver(): Driver {
    const driver = super.createDriver();
    return this.#bound ? boundedWal(driver, this.#bound) : driver;
  }
}
