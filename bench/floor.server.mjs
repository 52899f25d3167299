// The storage floor: the ceiling server (bench/ceiling.server.mjs) plus the rows a durable
// create must write, and nothing else. The SQLite file gets Loft's own schema (`loft migrate`,
// so the same indexes on messages) and Loft's pragmas; each event-loop turn's requests
// are written in one transaction (group commit, as Loft does) with one multi-row insert per
// table: the messages, their `queued` history rows and their dispatch jobs. No framework, no
// auth, no validation, no Kysely. It answers only after the commit. What separates Loft's
// create (WORKERS=off) from this floor is Loft's own code; the floor from the ceiling, SQLite.
//   DATABASE_PATH=… node bench/floor.server.mjs   → prints `listening on http://127.0.0.1:PORT`
/* global console, setImmediate */
import { execFileSync } from 'node:child_process';
import { createServer } from 'node:http';
import { join } from 'node:path';
import process from 'node:process';
import SQLite from 'better-sqlite3';
import { created, requested } from './create-response.mjs';

const path = process.env.DATABASE_PATH;
if (!path) throw new Error('DATABASE_PATH is required');
const root = join(import.meta.dirname, '..');
execFileSync(process.execPath, [join(root, 'dist/cli/loft.js'), 'migrate'], {
  env: { ...process.env, DATABASE_URL: `sqlite:${path}` },
  stdio: 'ignore',
});

const db = new SQLite(path);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = NORMAL');
db.pragma('cache_size = -32000');
// Never checkpoint: the least work (Loft checkpoints on a worker thread); the WAL just grows.
db.pragma('wal_autocheckpoint = 0');

// One multi-row insert per table and batch, prepared once per batch size.
const tables = {
  messages: {
    head: `insert into messages (sid, account_sid, direction, status, from_addr, to_addr, body,
      num_segments, num_media, price_unit, date_created, date_updated, tags, options) values `,
    row: `(?, ?, 'outbound-api', 'queued', ?, ?, ?, 1, 0, 'USD', ?, ?, '{}', '{}')`,
    values: (r) => [r.sid, r.account, r.from, r.to, r.body, r.at, r.at],
  },
  message_events: {
    head: `insert into message_events (message_sid, status, error_code, at) values `,
    row: `(?, 'queued', null, ?)`,
    values: (r) => [r.sid, r.at],
  },
  outbox: {
    head: `insert into outbox (kind, ref, payload, run_at, attempts, created_at) values `,
    row: `('dispatch', ?, '{}', ?, 0, ?)`,
    values: (r) => [r.sid, r.at, r.at],
  },
};
const prepared = new Map();
function statement(name, n) {
  const key = `${name}:${n}`;
  let st = prepared.get(key);
  if (!st) {
    const t = tables[name];
    st = db.prepare(t.head + Array(n).fill(t.row).join(', '));
    prepared.set(key, st);
  }
  return st;
}
const writeAll = db.transaction((rows) => {
  for (const [name, t] of Object.entries(tables)) {
    statement(name, rows.length).run(rows.flatMap(t.values));
  }
});

let pending = [];
function flush() {
  const batch = pending;
  pending = [];
  writeAll(batch);
  for (const r of batch) created(r.res, r);
}

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    if (pending.push({ res, ...requested(req, chunks) }) === 1) setImmediate(flush);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
