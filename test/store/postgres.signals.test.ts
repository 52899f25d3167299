import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPostgresStore } from '../../src/store/postgres/postgres.store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';
import { until } from '../support/until.js';

const server = await postgresServerUrl();

// Needs a PostgreSQL server: the test kills the LISTEN connection's backend (PGlite has none).
describe.skipIf(!server)('PostgreSQL signals survive a lost LISTEN connection', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createTestDatabase(server as string);
    a = await openPostgresStore({ url: db.url });
    b = await openPostgresStore({ url: db.url });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('reconnects, wakes its listeners once, and hears later signals', async () => {
    let calls = 0;
    await a.signals?.subscribe('loft_test', () => calls++);
    b.signals?.publish('loft_test');
    await until(() => (calls >= 1 ? true : undefined), 5_000);

    const admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
    const killed = await admin.query(
      `select pg_terminate_backend(pid) from pg_stat_activity
        where datname = current_database() and pid <> pg_backend_pid() and query ilike 'listen%'`,
    );
    await admin.end();
    expect(killed.rowCount).toBeGreaterThan(0);

    // Re-opened: every listener is called once (signals may have been missed meanwhile)…
    const before = calls;
    await until(() => (calls > before ? true : undefined), 10_000);
    // …and signals published afterwards arrive again.
    const reconnected = calls;
    b.signals?.publish('loft_test');
    await until(() => (calls > reconnected ? true : undefined), 5_000);
    expect(calls).toBeGreaterThan(reconnected);
  });
});
