import type SQLite from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

/** SQL texts up to this length share the main cache. */
const SHORT_SQL = 2048;
/**
 * Longest SQL text kept compiled at all; longer ones are prepared per call. Multi-row
 * statements come in a few sizes (see `slicer`); a 64-row insert of messages is about 5 KB of
 * SQL and a 64-row transition 9 KB.
 */
const MAX_CACHED_SQL = 16_384;
/**
 * Long texts kept at once. A long text compiles to a large program (~0.15 MB for a 64-row
 * insert), and some long texts never repeat (lists whose length changes on every call): a small
 * cache of its own, least recently used out, so they neither fill memory nor push the short,
 * hot statements out.
 */
const LONG_ENTRIES = 64;
/** Short texts kept at once (the statements Loft repeats are a few dozen). */
const SHORT_ENTRIES = 512;

/**
 * A better-sqlite3 connection whose `prepare` reuses compiled statements. Kysely's SQLite driver
 * prepares every query anew; the same few dozen SQL texts repeat on every request, so caching
 * them removes SQLite's parse-and-plan step from the hot path.
 */
export function withStatementCache(conn: SQLite.Database): SqliteDatabase {
  const short = new Map<string, SQLite.Statement>();
  const long = new Map<string, SQLite.Statement>();
  // Only what Kysely's driver calls: a plain object, not a Proxy on every property read.
  return {
    prepare(sql: string) {
      if (sql.length > MAX_CACHED_SQL) return conn.prepare(sql);
      const [cache, limit] = sql.length > SHORT_SQL ? [long, LONG_ENTRIES] : [short, SHORT_ENTRIES];
      let stmt = cache.get(sql);
      if (stmt === undefined) {
        stmt = conn.prepare(sql);
        if (cache.size >= limit) cache.delete(cache.keys().next().value as string);
      } else if (cache === long) {
        cache.delete(sql); // re-inserted below: most recently used last
      } else {
        return stmt;
      }
      cache.set(sql, stmt);
      return stmt;
    },
    close: () => conn.close(),
  };
}
