import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type SQLite from 'better-sqlite3';
import type { EngineFailures } from '../kysely/failures.dialect.js';
import { StoreUnavailableError, type StoreFailureKind } from '../unavailable.js';

/**
 * The SQLite result codes (better-sqlite3's `code`, extended codes included) that mean the
 * database cannot take writes for a reason of its own, by prefix: SQLITE_FULL (the disk, or
 * `max_page_count`), SQLITE_READONLY_* (a file opened read-only, a read-only file system),
 * SQLITE_IOERR_* (the file system failed a read, write, fsync or the -shm growth) and
 * SQLITE_CANTOPEN_* (a -wal or -shm file it could not create). SQLITE_BUSY and SQLITE_CORRUPT
 * are not among them: the first is another writer, the second is not fixed by waiting.
 */
const SQLITE_KINDS: ReadonlyArray<readonly [string, StoreFailureKind]> = [
  ['SQLITE_FULL', 'disk_full'],
  ['SQLITE_READONLY', 'read_only'],
  ['SQLITE_IOERR', 'io_error'],
  ['SQLITE_CANTOPEN', 'io_error'],
];

/** The SQLite error `err` as a StoreUnavailableError, when it is one of {@link SQLITE_KINDS}. */
export function sqliteUnavailable(err: unknown): StoreUnavailableError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const kind = SQLITE_KINDS.find(([prefix]) => code.startsWith(prefix))?.[1];
  return kind && new StoreUnavailableError(kind, code, err);
}

/**
 * Whether the file system holding `path` has no block left for this user. A full disk does not
 * always fail with SQLITE_FULL: growing the -shm file fails with SQLITE_IOERR_SHMSIZE, say.
 */
export function noSpaceLeft(path: string): boolean {
  try {
    return statfsSync(dirname(path)).bavail === 0;
  } catch {
    return false;
  }
}

/**
 * SQLite's failure capability: its codes (an I/O error on a disk with no space left counts as
 * a full disk), and whether a transaction is still open on the one connection (SQLite rolls
 * back by itself after SQLITE_FULL and most I/O errors).
 */
export function sqliteFailures(conn: SQLite.Database, path: string): EngineFailures {
  return {
    classify(err) {
      const u = sqliteUnavailable(err);
      if (u?.kind !== 'io_error' || path === ':memory:' || !noSpaceLeft(path)) return u;
      return new StoreUnavailableError('disk_full', u.code, err);
    },
    inTransaction: () => conn.inTransaction,
  };
}
