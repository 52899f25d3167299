import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres.store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, openPGliteStore, postgresServerUrl } from '../support/stores.js';
import { storeCases, type CaseContext, type EngineName } from './store.cases.js';

// The store conformance suite: every case in store.cases.ts runs against every store, so the
// engines cannot drift apart. The PostgreSQL server variant needs a server (TEST_DATABASE_URL,
// or 127.0.0.1:5432); PGlite runs everywhere, so PostgreSQL's SQL is always exercised.

interface Engine {
  name: EngineName;
  /** Why the engine is not available here, if it is not. */
  unavailable?: string;
  open(): Promise<{ store: Store; peer?: Store; cleanup?: () => Promise<void> }>;
}

const pgServer = await postgresServerUrl();

const engines: Engine[] = [
  {
    name: 'sqlite-memory',
    open: async () => ({ store: await openSqliteStore({ path: ':memory:' }) }),
  },
  {
    name: 'sqlite-file',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'loft-store-'));
      const path = join(dir, 'loft.db');
      const store = await openSqliteStore({ path });
      // A second connection to the same file, as a second process would open it.
      const peer = await openSqliteStore({ path });
      return {
        store,
        peer,
        cleanup: () => {
          rmSync(dir, { recursive: true, force: true });
          return Promise.resolve();
        },
      };
    },
  },
  {
    name: 'postgres',
    ...(!pgServer && {
      unavailable: 'no PostgreSQL server (set TEST_DATABASE_URL); the pglite engine covers it',
    }),
    async open() {
      const database = await createTestDatabase(pgServer!);
      const store = await openPostgresStore({ url: database.url });
      // Another pool on the same database: claims race as they would between processes.
      const peer = await openPostgresStore({ url: `${database.url}?max=3` });
      return { store, peer, cleanup: () => database.drop() };
    },
  },
  {
    name: 'pglite',
    open: async () => ({ store: await openPGliteStore() }),
  },
];

for (const engine of engines) {
  describe.skipIf(engine.unavailable !== undefined)(
    `store conformance: ${engine.name}${engine.unavailable ? ` (skipped: ${engine.unavailable})` : ''}`,
    () => {
      let ctx: CaseContext;
      let cleanup: (() => Promise<void>) | undefined;
      beforeAll(async () => {
        const opened = await engine.open();
        ctx = { engine: engine.name, store: opened.store, peer: opened.peer };
        cleanup = opened.cleanup;
      });
      afterAll(async () => {
        await ctx?.peer?.close();
        await ctx?.store.close();
        await cleanup?.();
      });

      it('reports its engine', () => {
        expect(ctx.store.capabilities).toEqual(
          engine.name.startsWith('sqlite')
            ? {
                engine: 'sqlite',
                multiProcess: false,
                writers: 1,
                statementRows: { max: 64, powersOfTwo: true },
                multiTableInsert: false,
              }
            : {
                engine: 'postgres',
                multiProcess: true,
                writers: 4,
                statementRows: { max: 500, powersOfTwo: false },
                multiTableInsert: true,
              },
        );
      });

      for (const c of storeCases) {
        const reason = c.skip?.[engine.name];
        it.skipIf(reason !== undefined)(reason ? `${c.name} (skipped: ${reason})` : c.name, () =>
          c.run(ctx),
        );
      }
    },
  );
}
