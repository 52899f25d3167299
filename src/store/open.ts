import type { StoreLog } from './health.js';
import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite.store.js';
import { openPostgresStore } from './postgres/postgres.store.js';
import { isPostgresUrl, redactUrl } from './postgres/postgres.url.js';

/** Opening (or migrating) the store a DATABASE_URL names failed; `cause` says why. */
export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
  constructor(
    readonly databaseUrl: string,
    cause: unknown,
  ) {
    super(`cannot open ${redactUrl(databaseUrl)}: ${(cause as Error)?.message ?? cause}`, {
      cause,
    });
  }
}

/** Settings of {@link openStore} beyond the URL. */
export interface OpenStoreOptions {
  /** SQLite: bound of the WAL file in MB, 0 = unbounded (64; `SQLITE_WAL_LIMIT_MB`). */
  sqliteWalLimitMb?: number;
  /** SQLite: told when the WAL cannot be kept within its bound. */
  onWarning?: (message: string) => void;
  /** Where the store logs migrations applied and its background errors (the `store` logger). */
  log?: StoreLog;
}

/** Opens the store a DATABASE_URL names and runs its migrations; throws StoreOpenError. */
export async function openStore(
  databaseUrl: string,
  options: OpenStoreOptions = {},
): Promise<Store> {
  try {
    if (databaseUrl.startsWith('sqlite:')) {
      return await openSqliteStore({
        path: databaseUrl.slice('sqlite:'.length) || './data/loft.db',
        ...(options.sqliteWalLimitMb !== undefined && {
          walLimitBytes: options.sqliteWalLimitMb * 1024 * 1024,
        }),
        ...(options.onWarning && { onWarning: options.onWarning }),
        ...(options.log && { log: options.log }),
      });
    }
    if (isPostgresUrl(databaseUrl)) {
      return await openPostgresStore({
        url: databaseUrl,
        ...(options.log && { log: options.log }),
      });
    }
  } catch (e) {
    throw new StoreOpenError(databaseUrl, e);
  }
  throw new Error(`unsupported DATABASE_URL: ${databaseUrl}`);
}
