import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/**
 * Longest SQL text kept compiled; longer ones are prepared per call. Multi-row statements come
 * in a few sizes (see `chunks`); a 64-row insert of messages is about 6 KB of SQL.
 */
const MAX_CACHED_SQL = 16_384;

/**
 * A better-sqlite3 connection whose `prepare` reuses compiled statements. Kysely's SQLite driver
 * prepares every query anew; the same few dozen SQL texts repeat on every request, so caching
 * them removes SQLite's parse-and-plan step from the hot path.
 */
export function withStatementCache(conn: SQLite.Database, max = 512): SqliteDatabase {
  const cache = new Map<string, SQLite.Statement>();
  // Only what Kysely's driver calls: a plain object, not a Proxy on every property read.
  return {
    prepare(sql: string) {
      // Statements with thousands of values compile to large programs: caching one-offs like
      // them filled memory (~200 MB at 512) for few reuses.
      if (sql.length > MAX_CACHED_SQL) return conn.prepare(sql);
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = conn.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value as string);
        cache.set(sql, stmt);
      }
      return stmt;
    },
    close: () => conn.close(),
  };
}
