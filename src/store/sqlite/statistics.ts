import { sql, type Kysely } from 'kysely';

/** Keeps the query planner's statistics current; see {@link startStatistics}. */
export interface Statistics {
  stop(): void;
}

/** Options of {@link startStatistics}. */
export interface StatisticsOptions {
  /** Time between checks (10 min). */
  intervalMs?: number;
  /** Called after each check, whether or not it ran ANALYZE (for tests). */
  onChecked?: () => void;
}

/**
 * Runs `PRAGMA optimize` now and every `intervalMs`, on the store's own connection (through
 * Kysely, so never inside another caller's transaction). It re-runs ANALYZE where statistics are
 * missing or stale, sampling at most 1,000 rows per index (`analysis_limit`): a few milliseconds
 * even at a million messages. Without statistics SQLite guesses, and guesses wrong for a `To` +
 * DateSent window: it walks the whole window through `messages_sent` instead of seeking
 * `messages_to_sent` (46 ms instead of 0.04 ms for a quiet number among 200 k messages). On the
 * store's connection, not a second one: a connection only reloads statistics another one gathered
 * when the schema changes, which a repeated ANALYZE does not do, and another connection's commit
 * could fail a transaction of ours that read before writing.
 */
export async function startStatistics<DB>(
  db: Kysely<DB>,
  options: StatisticsOptions = {},
): Promise<Statistics> {
  // 0x10002: every table, not only those this connection has queried since it opened.
  const check = () =>
    sql`pragma optimize = 0x10002`
      .execute(db)
      .catch(() => undefined) // a busy or closing database: the next check runs it
      .then(() => options.onChecked?.());
  await sql`pragma analysis_limit = 1000`.execute(db);
  await check();
  const timer = setInterval(() => void check(), options.intervalMs ?? 600_000);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
