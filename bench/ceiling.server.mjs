// The HTTP ceiling: a bare node:http server that does what every create request must do at the
// least (read the form body, parse it with URLSearchParams, answer 201 with a JSON message of
// the same shape and size as Loft's create response) and nothing else: no routing framework,
// no auth, no validation, no storage. Run in its own process by bench/run.ts:
//   node bench/ceiling.server.mjs   → prints `listening on http://127.0.0.1:PORT`
/* global console */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import process from 'node:process';
import { URLSearchParams } from 'node:url';

/** `Fri, 27 Nov 2026 02:33:23 +0000`, as Loft writes dates. */
const rfc2822 = (d) => d.toUTCString().replace('GMT', '+0000');

const server = createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
    const account = req.url?.split('/')[3] ?? '';
    const sid = 'SM' + randomBytes(16).toString('hex');
    const now = rfc2822(new Date());
    const base = `/2010-04-01/Accounts/${account}/Messages/${sid}`;
    const body = JSON.stringify({
      account_sid: account,
      api_version: '2010-04-01',
      body: form.get('Body'),
      date_created: now,
      date_sent: null,
      date_updated: now,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: form.get('From'),
      messaging_service_sid: null,
      num_media: '0',
      num_segments: '1',
      price: null,
      price_unit: 'USD',
      sid,
      status: 'queued',
      subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
      tags: {},
      to: form.get('To'),
      uri: `${base}.json`,
    });
    res.writeHead(201, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 72_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
