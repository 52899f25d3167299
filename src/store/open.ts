import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite.store.js';
import { openPostgresStore } from './postgres/postgres.store.js';
import { isPostgresUrl } from './postgres/postgres.url.js';

/** Opens the store a DATABASE_URL names and runs its migrations. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return openSqliteStore({ path: databaseUrl.slice('sqlite:'.length) || './data/loft.db' });
  }
  if (isPostgresUrl(databaseUrl)) return openPostgresStore({ url: databaseUrl });
  throw new Error(`unsupported DATABASE_URL: ${databaseUrl}`);
}
