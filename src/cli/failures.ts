import { ConfigError } from '../config.js';
import { StoreOpenError } from '../store/open.js';
import { redactUrl } from '../store/postgres/postgres.url.js';
import { StoreUnavailableError, storeUnavailable } from '../store/unavailable.js';
import { noSpaceLeft } from '../store/sqlite/sqlite.failures.js';

/** The CLI's exit codes (README, `loft --help`). */
export const EXIT = {
  ok: 0,
  /** Anything unexpected: the error is printed in full. */
  failure: 1,
  /** A setting is invalid (ConfigError). */
  config: 2,
  /** Something a valid setting names is unavailable: the port, the database, its directory. */
  unavailable: 3,
} as const;

/** A failure the CLI explains in one line, with its exit code. */
export interface Explained {
  line: string;
  code: number;
}

/** `e`, its causes, and the errors it aggregates (Node's connect tries every address). */
function* chain(e: unknown): Generator<Record<string, unknown>> {
  const seen = new Set<unknown>();
  const queue = [e];
  while (queue.length > 0) {
    const x = queue.shift();
    if (typeof x !== 'object' || x === null || seen.has(x)) continue;
    seen.add(x);
    // The store's translation of a driver error: the driver's own (its cause) has the details.
    if (!(x instanceof StoreUnavailableError)) yield x as Record<string, unknown>;
    queue.push((x as { cause?: unknown }).cause, ...((x as { errors?: unknown[] }).errors ?? []));
  }
}

/**
 * What to do about a known start-up failure, in one line; undefined for anything else.
 * `databaseUrl`: the configured store, named in the line when the store failed after opening
 * (a full disk met by the first write, say).
 */
export function explain(e: unknown, databaseUrl?: string): Explained | undefined {
  if (e instanceof ConfigError) return { line: e.message, code: EXIT.config };
  const url =
    e instanceof StoreOpenError
      ? e.databaseUrl
      : storeUnavailable(e) && databaseUrl !== undefined
        ? databaseUrl
        : undefined;
  const shown = url === undefined ? 'DATABASE_URL' : `DATABASE_URL (${redactUrl(url)})`;
  const unavailable = (line: string): Explained => ({ line, code: EXIT.unavailable });
  for (const x of chain(e)) {
    const code = typeof x['code'] === 'string' ? x['code'] : '';
    if (code === 'EADDRINUSE' && x['syscall'] === 'listen') {
      return unavailable(
        `port ${String(x['port'])} on ${String(x['address'])} is already in use: stop the other ` +
          'process or choose another port with --port / PORT',
      );
    }
    if (code === 'EADDRNOTAVAIL' && x['syscall'] === 'listen') {
      return unavailable(
        `${String(x['address'])} is not an address of this machine: set --host / HOST`,
      );
    }
    if (url === undefined) continue;
    if (code === 'ECONNREFUSED') {
      return unavailable(
        `the database server at ${String(x['address'])}:${String(x['port'])} refused the ` +
          `connection: start PostgreSQL there or fix ${shown}`,
      );
    }
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
      return unavailable(
        `the database host '${String(x['hostname'])}' was not found: fix the host in ${shown}`,
      );
    }
    if (code === '3D000') {
      return unavailable(`${String(x['message'])}: create it (createdb) or fix ${shown}`);
    }
    if (code === '28P01' || code === '28000') {
      return unavailable(`${String(x['message'])}: fix the user or password in ${shown}`);
    }
    const sqlite = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined;
    const why = driverMessage(x, code);
    const full =
      ['SQLITE_FULL', '53100', 'ENOSPC'].includes(code) ||
      (sqlite !== undefined && code.startsWith('SQLITE_IOERR') && noSpaceLeft(sqlite));
    if (full) {
      return unavailable(
        sqlite === undefined
          ? `the database server's disk is full (${why}): free space on it, then start again`
          : `the disk holding the SQLite database ${sqlite} is full (${why}): free space on ` +
              `it, or point ${shown} elsewhere, then start again`,
      );
    }
    if (code === '25006') {
      return unavailable(
        `the database is read-only (${why}): point ${shown} at the primary server, or turn ` +
          'default_transaction_read_only off',
      );
    }
    if (sqlite !== undefined && code.startsWith('SQLITE_READONLY')) {
      return unavailable(
        `the SQLite database ${sqlite} is read-only (${why}): make it, its -wal and -shm ` +
          `files and its directory writable by this user, or point ${shown} elsewhere`,
      );
    }
    if (sqlite !== undefined && code.startsWith('SQLITE_IOERR')) {
      return unavailable(
        `the SQLite database ${sqlite} could not be written (${why}): check its disk and file ` +
          'system',
      );
    }
    if (
      code.startsWith('SQLITE_CANTOPEN') ||
      code.startsWith('SQLITE_READONLY') ||
      ['EACCES', 'EROFS', 'EPERM'].includes(code)
    ) {
      return unavailable(
        `cannot create or write the SQLite database ${url.slice('sqlite:'.length)}: make its ` +
          `directory writable by this user or point ${shown} elsewhere`,
      );
    }
  }
  return undefined;
}

/** `CODE: the driver's message`, once (a StoreUnavailableError's message already starts so). */
function driverMessage(x: Record<string, unknown>, code: string): string {
  const message = typeof x['message'] === 'string' ? x['message'] : '';
  return message.startsWith(`${code}: `) ? message : `${code}: ${message}`;
}
