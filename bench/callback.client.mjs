// The callback floor: what a status callback's HTTP exchange alone costs, with nothing of Loft.
// A bare node:http client in its own process (as Loft's server is) posts COUNT status-callback
// forms, each signed with X-Twilio-Signature (HMAC-SHA1, as Loft signs them), over keep-alive
// connections to URL, CONCURRENCY at once (Loft's default per-origin limit), and prints
// `done <ms> <cpu µs>` when every response has come back (the wall time of the sends and the
// process's own CPU time over them). No store, no queue, no retries.
//   URL=http://… COUNT=60000 CONCURRENCY=128 node bench/callback.client.mjs
/* global console, URL, URLSearchParams, Buffer, performance */
import { createHmac } from 'node:crypto';
import { Agent, request } from 'node:http';
import process from 'node:process';

const url = new URL(process.env.URL ?? '');
const count = Number(process.env.COUNT ?? 60_000);
const concurrency = Number(process.env.CONCURRENCY ?? 128);
const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
const statuses = ['sent', 'delivered', 'queued'];

function form(i) {
  const sid = 'SM' + i.toString(16).padStart(32, '0');
  return {
    AccountSid: 'AC' + 'be'.repeat(16),
    ApiVersion: '2010-04-01',
    From: '+14155552345',
    MessageSid: sid,
    MessageStatus: statuses[i % 3],
    SmsSid: sid,
    SmsStatus: statuses[i % 3],
    To: '+1415555' + String(i % 10_000).padStart(4, '0'),
  };
}

function send(i) {
  const params = form(i);
  const body = new URLSearchParams(params).toString();
  // Twilio's signature: the URL followed by every parameter name and value, sorted by name.
  const signed = Object.keys(params)
    .sort()
    .reduce((s, k) => s + k + params[k], url.toString());
  const signature = createHmac('sha1', 'cd'.repeat(16)).update(signed).digest('base64');
  return new Promise((ok, fail) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          'content-length': Buffer.byteLength(body),
          'x-twilio-signature': signature,
          'i-twilio-idempotency-token': `${params.MessageSid}-${i}`,
          'user-agent': 'TwilioProxy/1.1',
        },
      },
      (res) => {
        res.resume();
        res.on('end', ok);
      },
    );
    req.on('error', fail);
    req.end(body);
  });
}

const started = performance.now();
const cpu = process.cpuUsage();
let next = 0;
const lane = async () => {
  while (next < count) await send(next++);
};
await Promise.all(Array.from({ length: concurrency }, lane));
const used = process.cpuUsage(cpu);
console.log(`done ${Math.round(performance.now() - started)} ${used.user + used.system}`);
agent.destroy();
