import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';

// The CLI against a PostgreSQL server: several `loft migrate` at once (the advisory lock makes
// them take turns), then `loft serve` on the migrated database. Processes cannot share a
// PGlite, so without a server this file is skipped.
const root = resolve(import.meta.dirname, '../..');
const server = await postgresServerUrl();
let database: TestDatabase;

beforeAll(async () => {
  if (server) database = await createTestDatabase(server);
});
afterAll(async () => {
  await database?.drop();
});

function run(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/loft.ts', ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  // 'close', not 'exit': the exit code once its output has been read to the end.
  const exited = new Promise<number | null>((ok) => child.on('close', (code) => ok(code)));
  return { child, exited, output: () => out };
}

describe.skipIf(!server)('loft on PostgreSQL', () => {
  it('concurrent `loft migrate` runs all succeed and apply each migration once', async () => {
    const runs = [1, 2, 3].map(() => run(['migrate', '--database-url', database.url]));
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes, runs.map((r) => r.output()).join('\n')).toEqual([0, 0, 0]);
    // The printed URL never shows a password.
    expect(runs[0]!.output()).toMatch(/migrations applied to postgres/);
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const { rows } = await client.query<{ name: string; n: string }>(
        'select name, count(*) n from kysely_migration group by name order by name',
      );
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    } finally {
      await client.end();
    }
  });

  it('`loft serve` reports the postgres store and serves the API', async () => {
    const sid = 'AC' + '7'.repeat(32);
    const p = run(['serve', '--port', '0'], {
      DATABASE_URL: `${database.url}?max=2`,
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'pg-token',
    });
    try {
      const url = await new Promise<string>((ok, fail) => {
        const timer = setInterval(() => {
          const m = /listening on (http:\/\/\S+) \(store: postgres\)/.exec(p.output());
          if (m?.[1]) {
            clearInterval(timer);
            ok(m[1]);
          }
        }, 50);
        void p.exited.then((code) => {
          clearInterval(timer);
          fail(new Error(`exited ${code}: ${p.output()}`));
        });
      });
      expect(await (await fetch(`${url}/healthz`)).json()).toMatchObject({ store: 'postgres' });
      const auth = 'Basic ' + Buffer.from(`${sid}:pg-token`).toString('base64');
      const r = await fetch(`${url}/2010-04-01/Accounts/${sid}/Messages.json`, {
        headers: { authorization: auth },
      });
      expect(r.status).toBe(200);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });

  it('rejects a malformed pool size with exit code 2', async () => {
    const p = run(['migrate', '--database-url', `${database.url}?max=lots`]);
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/DATABASE_URL: max \(pool size\)/);
  });
});
