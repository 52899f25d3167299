import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';

/** Create throughput: POST Messages.json with keep-alive against durable SQLite, workers off. */
const SID = 'AC' + 'be'.repeat(16);
const TOKEN = 'cd'.repeat(16);
const dir = mkdtempSync(join(tmpdir(), 'loft-bench-'));
const server = await startServer(
  loadConfig(['--port', '0', '--database-url', `sqlite:${join(dir, 'bench.db')}`], {
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    SIM_DELAY_MS: '0',
    WORKERS: process.env['WORKERS'] ?? 'off',
  }),
  { logger: false },
);
const auth = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');
await fetch(`${server.url}/2010-04-01/Accounts/${SID}/IncomingPhoneNumbers.json`, {
  method: 'POST',
  headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'PhoneNumber=%2B14155552345',
});
const result = await autocannon({
  url: `${server.url}/2010-04-01/Accounts/${SID}/Messages.json`,
  method: 'POST',
  connections: 32,
  duration: Number(process.env['BENCH_SECONDS'] ?? 5),
  headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
  body: 'From=%2B14155552345&To=%2B14155550100&Body=hello+from+the+bench',
});
console.log(
  JSON.stringify({
    createReqPerSec: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
  }),
);
await server.close();
rmSync(dir, { recursive: true, force: true });
