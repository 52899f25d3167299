import SQLite from 'better-sqlite3';
import pg from 'pg';

/**
 * Read-only SQL on the store a child process works on (the same SQL on both engines): a
 * connection of its own per query, so it never holds anything the processes wait for.
 */
export function sqlOn(databaseUrl: string): <T>(text: string) => Promise<T[]> {
  return async <T>(text: string): Promise<T[]> => {
    if (!databaseUrl.startsWith('sqlite:')) {
      const client = new pg.Client({ connectionString: databaseUrl });
      await client.connect();
      try {
        return (await client.query(text)).rows as T[];
      } finally {
        await client.end();
      }
    }
    const db = new SQLite(databaseUrl.slice('sqlite:'.length), { readonly: true });
    try {
      return db.prepare(text).all() as T[];
    } finally {
      db.close();
    }
  };
}
