import { describe, expect, it } from 'vitest';
import { postgresServerUrl } from '../support/stores.js';
import {
  captureLogs,
  expectUnavailable,
  faultServer,
  health,
  recovered,
  send,
  sendUntilUnavailable,
  undelivered,
} from '../support/storage-faults.js';

// PostgreSQL turning read-only under a running server, as after a fail-over to a standby: the
// test database is set to `default_transaction_read_only` and every session of it terminated
// (those in the pool die with 57P01, their replacements write into 25006), then set back and
// terminated again. Needs a PostgreSQL server: PGlite is one in-process session.
const server = await postgresServerUrl();

describe('PostgreSQL read-only', () => {
  it('answers 503 with Retry-After, logs the SQLSTATE once, reports and recovers health, loses no acknowledged message', async (ctx) => {
    if (!server) ctx.skip(); // no PostgreSQL server here: the suite runs on PGlite
    const logs = captureLogs();
    const t = await faultServer(logs);
    const sql = t.query!;
    const [{ db }] = (await sql('select current_database() as db')) as [{ db: string }];
    const writable =
      'start transaction read write; ' +
      `alter database "${db}" reset default_transaction_read_only; commit`;
    const terminate = () =>
      sql(
        `select pg_terminate_backend(pid) from pg_stat_activity ` +
          `where datname = current_database() and pid <> pg_backend_pid()`,
      );
    try {
      const acked: string[] = [];
      for (const r of await Promise.all(Array.from({ length: 100 }, (_, i) => send(t, i)))) {
        expect(r.status, r.text).toBe(201);
        acked.push(r.json.sid as string);
      }
      await sql(`alter database "${db}" set default_transaction_read_only = on`);
      await terminate();
      expectUnavailable(await sendUntilUnavailable(t, acked));
      const more = await Promise.all(Array.from({ length: 20 }, (_, i) => send(t, i)));
      for (const r of more) expectUnavailable(r);
      const sick = await health(t);
      expect(sick).toMatchObject({ healthz: 503, readyz: 503 });
      expect(sick.body).toMatchObject({ status: 'unavailable', error: { code: '25006' } });

      // In a session of the read-only database itself: read-write for this one statement.
      await sql(writable);
      await terminate();
      await recovered(t);
      const after = await send(t, 0);
      expect(after.status, after.text).toBe(201);
      acked.push(after.json.sid as string);

      // One burst: one first line, one line for each other SQLSTATE met, one recovery.
      expect(logs.starting('store unavailable')).toHaveLength(1);
      expect(logs.starting('store recovered')).toHaveLength(1);
      const readOnly = logs.all().filter((l) => /^store (still )?unavailable/.test(l.msg ?? ''));
      expect(readOnly.filter((l) => /\b25006\b/.test(l.msg ?? ''))).toHaveLength(1);
      expect(readOnly.find((l) => /\b25006\b/.test(l.msg ?? ''))).toMatchObject({
        level: 50,
        store: { code: '25006', kind: 'read_only' },
      });
      expect(logs.starting('unhandled error')).toEqual([]);
      expect(logs.starting('background job failed')).toEqual([]);
      expect(await undelivered(t, acked)).toEqual([]);
      console.log(
        `PostgreSQL read-only: ${acked.length} acknowledged, all delivered\n` +
          logs
            .all()
            .filter((l) => /^store /.test(l.msg ?? ''))
            .map((l) => `  ${l.msg}`)
            .join('\n'),
      );
    } finally {
      await sql(writable).catch(() => {});
      await t.close();
    }
  }, 60_000);
});
