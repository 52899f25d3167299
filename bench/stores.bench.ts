import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';

/**
 * The same figures on every store, in one run: create req/s (keep-alive, workers off) and the
 * latency of 50-message list pages (unfiltered and To-filtered) over what the create phase
 * stored. PostgreSQL runs when DATABASE_URL/TEST_DATABASE_URL names one or 127.0.0.1:5432 answers.
 */
const SID = 'AC' + 'be'.repeat(16);
const TOKEN = 'cd'.repeat(16);
const seconds = Number(process.env['BENCH_SECONDS'] ?? 5);
const auth = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');

async function postgresUrl(): Promise<{ url: string; drop: () => Promise<void> } | undefined> {
  const server = process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = new pg.Client({ connectionString: server });
  try {
    await admin.connect();
  } catch {
    return undefined;
  }
  const name = `loft_bench_${Date.now()}`;
  await admin.query(`create database "${name}"`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.query(`drop database if exists "${name}" with (force)`);
      await admin.end();
    },
  };
}

async function measure(label: string, databaseUrl: string) {
  const server = await startServer(
    loadConfig(['--port', '0', '--database-url', databaseUrl], {
      TWILIO_ACCOUNT_SID: SID,
      TWILIO_AUTH_TOKEN: TOKEN,
      WORKERS: 'off',
    }),
    { logger: false },
  );
  const base = `${server.url}/2010-04-01/Accounts/${SID}`;
  await fetch(`${base}/IncomingPhoneNumbers.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'PhoneNumber=%2B14155552345',
  });
  const create = await autocannon({
    url: `${base}/Messages.json`,
    method: 'POST',
    connections: 32,
    duration: seconds,
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'From=%2B14155552345&To=%2B14155550100&Body=hello+from+the+bench',
  });
  const list = async (query: string) => {
    const r = await autocannon({
      url: `${base}/Messages.json?${query}`,
      connections: 8,
      duration: seconds,
      headers: { authorization: auth },
    });
    return { p50: r.latency.p50, p99: r.latency.p99, reqPerSec: Math.round(r.requests.average) };
  };
  const row = {
    store: label,
    createReqPerSec: Math.round(create.requests.average),
    createP50: create.latency.p50,
    createP99: create.latency.p99,
    stored: create.requests.total,
    list: await list('PageSize=50'),
    listTo: await list('To=%2B14155550100&PageSize=50'),
  };
  await server.close();
  return row;
}

const rows = [];
const dir = mkdtempSync(join(tmpdir(), 'loft-bench-'));
rows.push(await measure('sqlite', `sqlite:${join(dir, 'bench.db')}`));
rmSync(dir, { recursive: true, force: true });
const pgdb = process.env['DATABASE_URL']?.startsWith('postgres')
  ? { url: process.env['DATABASE_URL'], drop: async () => {} }
  : await postgresUrl();
if (pgdb) {
  rows.push(await measure('postgres', pgdb.url));
  await pgdb.drop();
}
console.table(
  rows.map((r) => ({
    store: r.store,
    'create req/s': r.createReqPerSec,
    'create p99 ms': r.createP99,
    stored: r.stored,
    'list p50/p99 ms': `${r.list.p50}/${r.list.p99}`,
    'list To= p50/p99 ms': `${r.listTo.p50}/${r.listTo.p99}`,
  })),
);
writeFileSync(
  new URL('./results.json', import.meta.url),
  JSON.stringify({ at: new Date().toISOString(), rows }, null, 2),
);
