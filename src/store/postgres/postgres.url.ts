/** Default number of pooled connections per process. */
export const DEFAULT_POOL_MAX = 10;

/** A PostgreSQL DATABASE_URL split into what the driver takes and Loft's own settings. */
export interface PostgresUrl {
  /** The URL as the `pg` driver takes it (Loft's own query parameters removed). */
  connectionString: string;
  /** Pool size: `?max=N`, else {@link DEFAULT_POOL_MAX}. */
  max: number;
  /**
   * Named prepared statements per connection (`?prepare=off` turns them off, for a pooler that
   * hands one client's statements to several server connections, such as PgBouncer in
   * transaction mode before 1.21).
   */
  prepare: boolean;
}

/** Whether a DATABASE_URL names a PostgreSQL server (`postgres://` or `postgresql://`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

/**
 * Parses `postgres://user:pass@host:port/db?max=20&sslmode=require`. `max` (the pool size) and
 * `prepare` (named prepared statements, on by default) are Loft's and are removed; every other parameter goes to the driver unchanged. Throws a plain
 * Error with a readable message (never containing the URL) when the URL or `max` is malformed.
 */
export function parsePostgresUrl(url: string): PostgresUrl {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    // The URL is not echoed: it may hold a password.
    throw new Error('not a valid postgres://user:pass@host:port/db URL');
  }
  if (!isPostgresUrl(url)) throw new Error('not a postgres:// or postgresql:// URL');
  const raw = parsed.searchParams.get('max');
  let max = DEFAULT_POOL_MAX;
  if (raw !== null) {
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 1000) {
      throw new Error(`max (pool size) must be an integer from 1 to 1000, got '${raw}'`);
    }
    max = Number(raw);
    parsed.searchParams.delete('max');
  }
  const rawPrepare = parsed.searchParams.get('prepare');
  let prepare = true;
  if (rawPrepare !== null) {
    const on = ['on', 'true', '1'].includes(rawPrepare);
    if (!on && !['off', 'false', '0'].includes(rawPrepare)) {
      throw new Error(`prepare must be on or off, got '${rawPrepare}'`);
    }
    prepare = on;
    parsed.searchParams.delete('prepare');
  }
  return { connectionString: parsed.toString(), max, prepare };
}

/** The URL with its password replaced by `***`, for printing (non-URLs are returned as is). */
export function redactUrl(url: string): string {
  if (!isPostgresUrl(url)) return url;
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
