import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { basic, encodeForm, MAIN_SID, MAIN_TOKEN } from '../support/server.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';

// Scale-out on one PostgreSQL: two `loft serve` and one `loft worker` share the work; one
// server is killed -9 mid-run. Every message reaches its handset exactly once and every status
// callback arrives. Processes cannot share a PGlite, so without a server this file is skipped.
const root = resolve(import.meta.dirname, '../..');
const server = await postgresServerUrl();
let database: TestDatabase;
let receiver: Server;
let receiverUrl = '';
const callbacks = new Set<string>();
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!server) return;
  database = await createTestDatabase(server);
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      callbacks.add(`${p.get('MessageSid')}:${p.get('MessageStatus')}`);
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
});
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 200));
  await database?.drop();
  receiver?.close();
});

function start(command: 'serve' | 'worker'): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'src/cli/loft.ts', command, '--port', '0'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        TWILIO_ACCOUNT_SID: MAIN_SID,
        TWILIO_AUTH_TOKEN: MAIN_TOKEN,
        SIM_DELAY_MS: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  return new Promise((ok, fail) => {
    let out = '';
    const seen = (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) ok({ child, url: m[1] });
      else if (/worker running/.test(out)) ok({ child, url: '' });
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => fail(new Error(`${command} exited ${code}: ${out}`)));
  });
}

it.skipIf(!server)(
  '3 processes, 3,000 messages, one killed -9: delivered exactly once, every callback received',
  async () => {
    const a = await start('serve');
    const b = await start('serve');
    await start('worker');
    const auth = basic(MAIN_SID, MAIN_TOKEN);
    const base = `/2010-04-01/Accounts/${MAIN_SID}`;
    const post = (url: string, path: string, form: Record<string, string>) =>
      fetch(url + base + path, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: encodeForm(form),
      });
    expect(
      (await post(a.url, '/IncomingPhoneNumbers.json', { PhoneNumber: '+14155552345' })).status,
    ).toBe(201);

    const total = 3000;
    const acknowledged: string[] = [];
    let next = 0;
    let killed = false;
    const db = new pg.Client({ connectionString: database.url });
    await db.connect();
    const count = async (sql: string) => Number((await db.query(sql)).rows[0].n);
    const sender = async () => {
      while (next < total) {
        const i = next++;
        const to = `+1415555${String(1000 + (i % 500)).padStart(4, '0')}`;
        const r = await post(a.url, '/Messages.json', {
          From: '+14155552345',
          To: to,
          Body: `m${i}`,
          StatusCallback: `${receiverUrl}/cb`,
        });
        expect(r.status).toBe(201);
        acknowledged.push(((await r.json()) as { sid: string }).sid);
        if (!killed && acknowledged.length === total / 3) {
          // Kill server B while all three processes are dispatching.
          killed = true;
          b.child.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    expect(killed).toBe(true);

    const deadline = Date.now() + 150_000;
    const finished = () =>
      count("select count(*) n from messages where status in ('delivered','undelivered','failed')");
    while ((await finished()) < total && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    expect(await finished()).toBe(total);
    const rows = (
      await db.query('select message_sid, count(*) n from sim_deliveries group by message_sid')
    ).rows as {
      message_sid: string;
      n: string;
    }[];
    expect(rows).toHaveLength(total);
    expect(rows.every((r) => Number(r.n) === 1)).toBe(true);
    const delivered = new Set(rows.map((r) => r.message_sid));
    expect(acknowledged.every((sid) => delivered.has(sid))).toBe(true);
    // Every status callback (sending, sent, delivered) of every message arrives at least once.
    while (callbacks.size < total * 3 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 250));
    const missing = acknowledged.flatMap((sid) =>
      ['sending', 'sent', 'delivered']
        .filter((s) => !callbacks.has(`${sid}:${s}`))
        .map((s) => `${sid}:${s}`),
    );
    expect(missing).toEqual([]);
    await db.end();
  },
  240_000,
);
