import { createServer } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';

/**
 * End to end: create → delivered messages per second with the simulator delay at 0, and status
 * callbacks per second into a local receiver. Prints one JSON line.
 */
const SID = 'AC' + 'be'.repeat(16);
const TOKEN = 'cd'.repeat(16);
const total = Number(process.env['BENCH_MESSAGES'] ?? 5000);
const concurrency = Number(process.env['BENCH_CONCURRENCY'] ?? 32);

let callbacks = 0;
let lastCallbackAt = 0;
const receiver = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    callbacks++;
    lastCallbackAt = performance.now();
    res.end('ok');
  });
});
await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
const rport = (receiver.address() as { port: number }).port;

const dir = mkdtempSync(join(tmpdir(), 'loft-bench-'));
const server = await startServer(
  loadConfig(['--port', '0', '--database-url', `sqlite:${join(dir, 'bench.db')}`], {
    TWILIO_ACCOUNT_SID: SID,
    TWILIO_AUTH_TOKEN: TOKEN,
    SIM_DELAY_MS: '0',
  }),
  { logger: false },
);
const auth = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');
const post = (path: string, body: string) =>
  fetch(`${server.url}/2010-04-01/Accounts/${SID}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
await post('/IncomingPhoneNumbers.json', 'PhoneNumber=%2B14155552345');

const cb = encodeURIComponent(`http://127.0.0.1:${rport}/cb`);
const started = performance.now();
let next = 0;
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (next < total) {
      const i = next++;
      const r = await post(
        '/Messages.json',
        `From=%2B14155552345&To=%2B1415555${String(1000 + (i % 9000)).padStart(4, '0')}&Body=bench+${i}&StatusCallback=${cb}`,
      );
      if (r.status !== 201) throw new Error(`create failed: ${r.status} ${await r.text()}`);
      await r.arrayBuffer();
    }
  }),
);
const created = performance.now();
const count = () =>
  server.store.messages
    .list({ accountSid: SID, tags: [] }, { limit: 1, direction: 'after' })
    .then(() => server.store.outbox.count(['dispatch', 'sim-dlr']));
while ((await count()) > 0) await new Promise((r) => setTimeout(r, 20));
const delivered = performance.now();
// 3 callbacks per message: sending, sent, delivered.
while (callbacks < total * 3) await new Promise((r) => setTimeout(r, 20));
const result = {
  messages: total,
  createPerSec: Math.round(total / ((created - started) / 1000)),
  createToDeliveredPerSec: Math.round(total / ((delivered - started) / 1000)),
  callbacks,
  callbacksPerSec: Math.round(callbacks / ((lastCallbackAt - started) / 1000)),
};
console.log(JSON.stringify(result));
await server.close();
receiver.close();
rmSync(dir, { recursive: true, force: true });
