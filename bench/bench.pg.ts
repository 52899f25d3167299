import pg from 'pg';
import { timeLoop } from './bench.load.js';

/** The PostgreSQL server to bench on: BENCH_PG_URL, TEST_DATABASE_URL, else the local one. */
const PG_SERVER =
  process.env['BENCH_PG_URL'] ??
  process.env['TEST_DATABASE_URL'] ??
  'postgres://postgres@127.0.0.1:5432/postgres';

/** Runs one statement on its own connection (the server's admin database unless `url`). */
async function admin<T>(
  statement: string,
  read?: (r: pg.QueryResult) => T,
  url = PG_SERVER,
): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    const r = await client.query(statement);
    return read ? read(r) : (undefined as T);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** Why PostgreSQL cannot be benched, or undefined when its server answers. */
export async function pgUnavailable(): Promise<string | undefined> {
  try {
    await admin('select 1');
    return undefined;
  } catch (e) {
    return `no PostgreSQL server answers at ${PG_SERVER.replace(/\/\/[^@]*@/, '//…@')}: ${(e as Error).message}`;
  }
}

/** The server's version string, for the report. */
export const pgVersion = (): Promise<string> =>
  admin('show server_version', (r) =>
    String((r.rows[0] as { server_version: string }).server_version),
  );

const created = new Set<string>();

/** Creates an empty database `loft_bench_<ts>_<suffix>` and returns its URL. */
export async function createDatabase(suffix: string): Promise<{ name: string; url: string }> {
  const name = `loft_bench_${Date.now()}_${suffix}`;
  await admin(`create database "${name}"`);
  created.add(name);
  const url = new URL(PG_SERVER);
  url.pathname = `/${name}`;
  return { name, url: url.toString() };
}

/** Drops a database made by {@link createDatabase}. */
export async function dropDatabase(name: string): Promise<void> {
  created.delete(name);
  await admin(`drop database if exists "${name}" with (force)`);
}

/** Drops every database this run created and has not dropped yet. */
export async function dropAll(): Promise<void> {
  for (const name of [...created]) await dropDatabase(name).catch(() => undefined);
}

/**
 * `VACUUM (ANALYZE)` on a freshly seeded database: the state autovacuum leaves a table in soon
 * after a bulk load. Without it, autovacuum would run in the middle of the list measurements.
 */
export async function vacuumAnalyze(url: string): Promise<void> {
  await admin('vacuum (analyze) messages, message_events', undefined, url);
}

/**
 * The list page's statement (unfiltered, 50 + 1 rows, as Loft sends it) through the `pg` driver
 * in this process, back to back on one connection: the PostgreSQL list's floor, one process hop
 * and the driver's row parsing, without HTTP or Loft.
 */
export async function pgDriverList(url: string, accountSid: string, seconds: number) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const text =
      'select "messages".* from "messages" where "messages"."account_sid" = $1 order by "seq" desc limit $2';
    await timeLoop(() => client.query(text, [accountSid, 51]), 0.5);
    return await timeLoop(() => client.query(text, [accountSid, 51]), seconds);
  } finally {
    await client.end();
  }
}
