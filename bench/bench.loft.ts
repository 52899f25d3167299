import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import SQLite from 'better-sqlite3';
import { basic, call, timeLoop, type DriverLatency } from './bench.load.js';
import { createDatabase, dropDatabase, pgDriverList, vacuumAnalyze } from './bench.pg.js';
import { run, start, type Child } from './bench.proc.js';

/** The repository root; the bench runs the built CLI from `dist/`. */
export const ROOT = resolve(import.meta.dirname, '..');
/**
 * The built CLI benched: this checkout's, or BENCH_LOFT_ROOT's (another checkout's build, so
 * two builds run under the same bench code, alternating).
 */
const cli = () => join(process.env['BENCH_LOFT_ROOT'] ?? ROOT, 'dist/cli/loft.js');

/** The main account every benched server runs with. */
export const SID = 'AC' + 'be'.repeat(16);
/** Its auth token. */
export const TOKEN = 'cd'.repeat(16);
export const AUTH = basic(SID, TOKEN);
/** The number the create phases send from (bought through IncomingPhoneNumbers first). */
export const FROM = '+14155552345';

const CREDENTIALS = { TWILIO_ACCOUNT_SID: SID, TWILIO_AUTH_TOKEN: TOKEN };

/** A store engine under test: how to make a fresh, empty database for one phase. */
export interface Engine {
  name: 'sqlite' | 'postgres';
  /** A fresh database URL, and how to remove it afterwards. */
  fresh(label: string): Promise<{ url: string; remove: () => Promise<void> }>;
  /** Housekeeping after a bulk load, before a server starts on it (steady state). */
  afterSeed?(url: string): Promise<void>;
  /** The unfiltered list page's statement through the driver alone, back to back (the floor). */
  driverList(url: string, seconds: number): Promise<DriverLatency>;
}

/** Durable SQLite files in a temporary directory (WAL, synchronous=NORMAL, as Loft opens them). */
export const sqliteEngine: Engine = {
  name: 'sqlite',
  fresh: (label) => {
    const dir = mkdtempSync(join(tmpdir(), `loft-bench-${label}-`));
    return Promise.resolve({
      url: `sqlite:${join(dir, 'loft.db')}`,
      remove: () => {
        rmSync(dir, { recursive: true, force: true });
        return Promise.resolve();
      },
    });
  },
  driverList: async (url, seconds) => {
    const db = new SQLite(url.slice('sqlite:'.length), { readonly: true });
    try {
      const page = db.prepare(
        'select "messages".* from "messages" where "messages"."account_sid" = ? order by "seq" desc limit ?',
      );
      await timeLoop(() => page.all(SID, 51), 0.5);
      return await timeLoop(() => page.all(SID, 51), seconds);
    } finally {
      db.close();
    }
  },
};

/** A new database `loft_bench_<ts>_<label>` on the PostgreSQL server, dropped afterwards. */
export const postgresEngine: Engine = {
  name: 'postgres',
  fresh: async (label) => {
    const db = await createDatabase(label);
    return { url: db.url, remove: () => dropDatabase(db.name) };
  },
  afterSeed: vacuumAnalyze,
  driverList: (url, seconds) => pgDriverList(url, SID, seconds),
};

/** A Loft server process (`node dist/cli/loft.js serve`). */
export interface Loft {
  child: Child;
  url: string;
  /** `http://…/2010-04-01/Accounts/{SID}` */
  base: string;
  stop: () => Promise<void>;
}

/**
 * Starts `loft serve` on a free port with the bench account, the simulator delay at 0, delivery
 * workers on, and retention off (so a sweep never runs during a measurement).
 */
export async function startLoft(
  databaseUrl: string,
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
) {
  const child = start(
    process.execPath,
    [...nodeArgs, cli(), 'serve', '--port', '0', '--database-url', databaseUrl],
    {
      ...CREDENTIALS,
      // BENCH_SIM_DELAY_MS: a delay makes every report a job of its own (as with a real carrier).
      SIM_DELAY_MS: process.env['BENCH_SIM_DELAY_MS'] ?? '0',
      LOG_LEVEL: 'warn',
      RETENTION_MAX_COUNT: '0',
      ...env,
    },
  );
  const [, url] = await child.waitFor(/listening on (http:\/\/\S+)/);
  const loft: Loft = {
    child,
    url: url as string,
    base: `${url}/2010-04-01/Accounts/${SID}`,
    stop: () => child.stop(),
  };
  return loft;
}

/** Buys the sending number (POST IncomingPhoneNumbers.json). */
export async function buyNumber(loft: Loft, number = FROM): Promise<void> {
  await call(
    `${loft.base}/IncomingPhoneNumbers.json`,
    { method: 'POST', auth: AUTH, form: `PhoneNumber=${encodeURIComponent(number)}` },
    201,
  );
}

/** What `loft seed` did, timed from outside (process start to exit). */
export interface SeedRun {
  count: number;
  /** Wall time of the whole command (start-up and migrations included). */
  seconds: number;
  perSecond: number;
  /** The insert rate the command itself reports (batches only). */
  insertPerSecond: number | undefined;
}

/** Runs `loft seed --count N` into a database, echoing its progress lines. */
export async function seed(databaseUrl: string, count: number, label: string): Promise<SeedRun> {
  const started = performance.now();
  const out = await run(
    process.execPath,
    [cli(), 'seed', '--count', String(count), '--database-url', databaseUrl],
    CREDENTIALS,
    (chunk) => {
      for (const line of chunk.split('\n'))
        if (line.trim()) console.log(`    [seed ${label}] ${line}`);
    },
  );
  const seconds = (performance.now() - started) / 1000;
  const reported = /\((\d+) msg\/s\)/.exec(out)?.[1];
  return {
    count,
    seconds: Math.round(seconds * 10) / 10,
    perSecond: Math.round(count / seconds),
    insertPerSecond: reported === undefined ? undefined : Number(reported),
  };
}
