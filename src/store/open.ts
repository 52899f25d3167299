import type { Store } from './store.js';
import { openSqliteStore } from './sqlite/sqlite.store.js';

/** Opens the store a DATABASE_URL names and runs its migrations. */
export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl.startsWith('sqlite:')) {
    return openSqliteStore({ path: databaseUrl.slice('sqlite:'.length) || './data/loft.db' });
  }
  throw new Error(`unsupported DATABASE_URL: ${databaseUrl}`);
}
