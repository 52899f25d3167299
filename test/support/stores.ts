import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import {
  migratePostgres,
  openPostgresStore,
  postgresStore,
} from '../../src/store/postgres/postgres.store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { openPGlite } from './pglite.dialect.js';

/**
 * Which store the integration suite runs on: `LOFT_TEST_STORE=sqlite` (default) or `postgres`.
 * The PostgreSQL variant uses a real server when there is one (see {@link postgresServerUrl}),
 * otherwise an embedded PGlite.
 */
export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env['LOFT_TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';

const ROOT = resolve(import.meta.dirname, '../..');

/** Where a server would be when TEST_DATABASE_URL is not set: the usual local one. */
const LOCAL_URL = 'postgres://postgres@127.0.0.1:5432/postgres';

let serverUrl: Promise<string | undefined> | undefined;

/**
 * The PostgreSQL server to create test databases on: TEST_DATABASE_URL when set, else the
 * local 127.0.0.1:5432 when it answers (as user `postgres`), else undefined (use PGlite).
 * `LOFT_TEST_PG=pglite` forces PGlite even when a server is there.
 */
export function postgresServerUrl(): Promise<string | undefined> {
  serverUrl ??= (async () => {
    if (process.env['LOFT_TEST_PG'] === 'pglite') return undefined;
    const given = process.env['TEST_DATABASE_URL'];
    if (given) return given;
    const client = new pg.Client({ connectionString: LOCAL_URL, connectionTimeoutMillis: 1000 });
    client.on('error', () => undefined);
    try {
      await client.connect();
      await client.query('select 1');
      return LOCAL_URL;
    } catch {
      return undefined;
    } finally {
      await client.end().catch(() => undefined);
    }
  })();
  return serverUrl;
}

/** Runs one statement on the server's maintenance connection (CREATE/DROP DATABASE). */
async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A database made for one test, and how to get rid of it. */
export interface TestDatabase {
  /** `postgres://…/loft_t_…` */
  url: string;
  drop(): Promise<void>;
}

/**
 * Creates an empty database on the server. Its name starts with the server URL's database name
 * when that is a CI run database (`loft_ci_…`), so CI's clean-up finds leftovers of a crash.
 */
export async function createTestDatabase(server: string): Promise<TestDatabase> {
  const base = new URL(server);
  const parent = decodeURIComponent(base.pathname.slice(1));
  const prefix = parent.startsWith('loft_ci_') ? parent : 'loft_t';
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await admin(server, `create database "${name}"`);
  // Tests need no durability against an OS crash; commits without waiting for the WAL flush
  // keep the PostgreSQL suite close to SQLite's speed (a killed Loft process loses nothing).
  await admin(server, `alter database "${name}" set synchronous_commit = off`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin(server, `drop database if exists "${name}" with (force)`),
  };
}

let migratedImage: Promise<Blob> | undefined;

/**
 * The data directory of a freshly migrated PGlite. Creating one (initdb) takes seconds, so it
 * is cached in the temp directory under a hash of the migrations and the PGlite version, and
 * shared by every test process until either changes.
 */
function pgliteImage(): Promise<Blob> {
  migratedImage ??= (async () => {
    const hash = createHash('sha256');
    const dir = join(ROOT, 'src/store/migrations');
    for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(join(dir, f)));
    hash.update(readFileSync(join(ROOT, 'node_modules/@electric-sql/pglite/package.json')));
    const file = join(tmpdir(), `loft-pglite-${hash.digest('hex').slice(0, 16)}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const { db, pg } = await openPGlite();
    await migratePostgres(db);
    const image = await pg.dumpDataDir('none');
    await db.destroy();
    // Write-then-rename: a concurrent process sees the whole file or none.
    const partial = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
    writeFileSync(partial, Buffer.from(await image.arrayBuffer()));
    renameSync(partial, file);
    // Images of older migrations are of no further use.
    for (const f of readdirSync(tmpdir())) {
      if (/^loft-pglite-[0-9a-f]{16}\.tar$/.test(f) && join(tmpdir(), f) !== file) {
        rmSync(join(tmpdir(), f), { force: true });
      }
    }
    return image;
  })();
  return migratedImage;
}

/** Raw SQL on a test database: the rows of one statement. */
export type RawQuery = (text: string) => Promise<Record<string, unknown>[]>;

/** A migrated PostgreSQL store on a fresh PGlite (from the cached image), discarded by `close()`. */
export async function openPGliteStore(): Promise<Store> {
  return (await openPGliteWithQuery()).store;
}

/** {@link openPGliteStore}, with raw SQL on the same database (valid until the store closes). */
export async function openPGliteWithQuery(): Promise<{ store: Store; query: RawQuery }> {
  const { db, pg } = await openPGlite(await pgliteImage());
  // Migrations run again as they would at any start: with nothing pending, they only check.
  const store = await postgresStore(db);
  return { store, query: async (text) => (await pg.query<Record<string, unknown>>(text)).rows };
}

/** Raw SQL on a PostgreSQL server's database, one connection per statement. */
export function serverQuery(url: string): RawQuery {
  return async (text) => {
    const client = new pg.Client({ connectionString: url });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<Record<string, unknown>>(text)).rows;
    } finally {
      await client.end();
    }
  };
}

/**
 * A fresh, migrated store of the kind under test (`TEST_STORE`) for tests that need a store but
 * no server: SQLite in memory, a new database on the PostgreSQL server, or a PGlite.
 */
export async function openTestStore(): Promise<Store> {
  if (TEST_STORE === 'sqlite') return openSqliteStore({ path: ':memory:' });
  const server = await postgresServerUrl();
  if (!server) return openPGliteStore();
  const database = await createTestDatabase(server);
  const store = await openPostgresStore({ url: database.url }).catch(async (e: unknown) => {
    await database.drop();
    throw e;
  });
  return {
    ...store,
    async close() {
      await store.close();
      await database.drop();
    },
  };
}

/** A description of the PostgreSQL backend in use, for test names and logs. */
export async function postgresBackend(): Promise<'server' | 'pglite'> {
  return (await postgresServerUrl()) ? 'server' : 'pglite';
}
