import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { sqlOn } from '../support/sql.js';
import { basic, encodeForm, MAIN_SID, MAIN_TOKEN } from '../support/server.js';
import {
  createTestDatabase,
  postgresServerUrl,
  TEST_STORE,
  type TestDatabase,
} from '../support/stores.js';

// kill -9 while thousands of messages are being dispatched, restart, and check that every
// acknowledged message reached a final state and reached its handset exactly once.
// On PostgreSQL the processes share a database on the server (PGlite lives inside one process,
// so without a server this test is skipped there); the restarted worker takes over the dead
// one's jobs when their leases expire instead of releasing them at start-up.
const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'loft-crash-'));
const dbPath = join(dir, 'loft.db');
const pgServer = TEST_STORE === 'postgres' ? await postgresServerUrl() : undefined;
let database: TestDatabase | undefined;
let databaseUrl = `sqlite:${dbPath}`;
const children: ChildProcess[] = [];
beforeAll(async () => {
  if (pgServer) {
    database = await createTestDatabase(pgServer);
    databaseUrl = database.url;
  }
});
afterAll(async () => {
  const exited = (c: ChildProcess) => c.exitCode !== null || c.signalCode !== null;
  for (const c of children) c.kill('SIGKILL');
  await Promise.all(
    children.map((c) => (exited(c) ? Promise.resolve() : new Promise((r) => c.on('exit', r)))),
  );
  await database?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** Read-only SQL on the store the processes share. */
const query = <T>(text: string): Promise<T[]> => sqlOn(databaseUrl)<T>(text);

function serve(workers: 'on' | 'off'): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/loft.ts', 'serve', '--port', '0'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        TWILIO_ACCOUNT_SID: MAIN_SID,
        TWILIO_AUTH_TOKEN: MAIN_TOKEN,
        SIM_DELAY_MS: '0',
        WORKERS: workers,
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((ok, fail) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) ok({ child, url: m[1] });
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => fail(new Error(`server exited ${code}: ${out}`)));
  });
}

const auth = basic(MAIN_SID, MAIN_TOKEN);
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

const countBy = async () => {
  const rows = await query<{ status: string; n: number }>(
    'select status, cast(count(*) as integer) n from messages group by status',
  );
  return Object.fromEntries(rows.map((r) => [r.status, r.n])) as Record<string, number>;
};

it.skipIf(TEST_STORE === 'postgres' && !pgServer)(
  'survives kill -9 mid-dispatch: every 201 is delivered exactly once',
  async () => {
    // 1. An API-only process acknowledges 3,000 messages; nothing is dispatched yet.
    const api = await serve('off');
    const post = (path: string, form: Record<string, string>) =>
      fetch(api.url + base + path, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(form),
      });
    expect((await post('/IncomingPhoneNumbers.json', { PhoneNumber: '+14155552345' })).status).toBe(
      201,
    );
    const acknowledged: string[] = [];
    const total = 3000;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const to = `+1415555${String(1000 + (i % 500)).padStart(4, '0')}`;
        const r = await post('/Messages.json', { From: '+14155552345', To: to, Body: `m${i}` });
        expect(r.status).toBe(201);
        acknowledged.push(((await r.json()) as { sid: string }).sid);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(await countBy()).toEqual({ queued: total });
    api.child.kill('SIGKILL');
    await new Promise((r) => api.child.on('exit', r));

    // 2. A worker process starts dispatching; kill -9 it part-way through.
    const workerProc = await serve('on');
    for (;;) {
      const c = await countBy();
      if (total - (c['queued'] ?? 0) > total * 0.2) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    workerProc.child.kill('SIGKILL');
    await new Promise((r) => workerProc.child.on('exit', r));
    const atKill = await countBy();
    // The crash really interrupted dispatching (otherwise this test proves nothing).
    expect(atKill['queued'] ?? 0).toBeGreaterThan(0);

    // 3. Restart: everything reaches a final state, each handset got each message exactly once.
    const second = await serve('on');
    const pending = async () =>
      (
        await query<{ n: number }>(
          "select cast(count(*) as integer) n from messages where status not in ('delivered','undelivered','failed')",
        )
      )[0]!.n;
    const deadline = Date.now() + 60_000;
    while ((await pending()) > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await pending()).toBe(0);
    const stored = await query<{ sid: string; status: string }>('select sid, status from messages');
    const bySid = new Map(stored.map((m) => [m.sid, m.status]));
    expect(acknowledged).toHaveLength(total);
    for (const sid of acknowledged) expect(bySid.get(sid)).toBe('delivered');
    const deliveries = await query<{ message_sid: string; n: number }>(
      'select message_sid, cast(count(*) as integer) n from sim_deliveries group by message_sid',
    );
    expect(deliveries).toHaveLength(total);
    expect(deliveries.every((d) => d.n === 1 && bySid.has(d.message_sid))).toBe(true);
    second.child.kill('SIGTERM');
  },
  120_000,
);
