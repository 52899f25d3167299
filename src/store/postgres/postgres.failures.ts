import type { EngineFailures } from '../kysely/failures.dialect.js';
import { StoreUnavailableError, type StoreFailureKind } from '../unavailable.js';

/**
 * SQLSTATEs that mean the server cannot serve, not that the statement was wrong
 * (postgresql.org/docs/current/errcodes-appendix.html): by exact code first, then by class.
 */
const SQLSTATE_KINDS: Readonly<Record<string, StoreFailureKind>> = {
  '53100': 'disk_full', // disk_full
  '25006': 'read_only', // read_only_sql_transaction: a hot standby, default_transaction_read_only
  '57P01': 'connection', // admin_shutdown (pg_terminate_backend, a fast shutdown)
  '57P02': 'connection', // crash_shutdown
  '57P03': 'connection', // cannot_connect_now (starting up, recovering)
  '58030': 'io_error', // io_error
  '08': 'connection', // class 08, connection_exception
  '53': 'exhausted', // class 53, insufficient_resources: out of memory, too many connections
};

/** Socket errors of the connection to the server. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * What `pg` throws, without a code, for a connection that ended under a query or was already
 * broken: "Connection terminated unexpectedly", "Connection terminated due to connection
 * timeout", "Client has encountered a connection error and is not queryable".
 */
const LOST =
  /^Connection terminated|connection error and is not queryable|^timeout exceeded when trying to connect/;

/** Loft's code for a connection lost without a SQLSTATE or socket code (see {@link LOST}). */
export const CONNECTION_LOST = 'CONNECTION_LOST';

/** The `pg` error `err` as a StoreUnavailableError, when it means the server cannot serve. */
export function postgresUnavailable(err: unknown): StoreUnavailableError | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') {
    const kind = SQLSTATE_KINDS[code] ?? SQLSTATE_KINDS[code.slice(0, 2)];
    if (kind && /^[0-9A-Z]{5}$/.test(code)) return new StoreUnavailableError(kind, code, err);
    if (SOCKET_CODES.has(code)) return new StoreUnavailableError('connection', code, err);
    return undefined;
  }
  const message = (err as { message?: unknown }).message;
  if (typeof message === 'string' && LOST.test(message)) {
    return new StoreUnavailableError('connection', CONNECTION_LOST, err);
  }
  return undefined;
}

/** PostgreSQL's failure capability: SQLSTATEs, socket errors and `pg`'s lost connections. */
export const POSTGRES_FAILURES: EngineFailures = { classify: postgresUnavailable };
