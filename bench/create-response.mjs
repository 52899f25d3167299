// What the ceiling and floor servers share: reading a create request, and the 201 answer, a
// JSON message of the same shape and size as Loft's create response.
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';

/** The message a create request asks for: its body (chunks) parsed with URLSearchParams. */
export function requested(req, chunks) {
  const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
  return {
    account: req.url?.split('/')[3] ?? '',
    // Time first, as Loft's SIDs (src/ids.ts): rows land at the end of SID-keyed indexes.
    sid: 'SM' + Date.now().toString(16).padStart(12, '0') + randomBytes(10).toString('hex'),
    from: form.get('From'),
    to: form.get('To'),
    body: form.get('Body'),
    at: Date.now(),
  };
}

/** `Fri, 27 Nov 2026 02:33:23 +0000`, as Loft writes dates. */
const rfc2822 = (d) => d.toUTCString().replace('GMT', '+0000');

/** Answers `res` with message `m` ({ account, sid, from, to, body, at }) as created. */
export function created(res, m) {
  const now = rfc2822(new Date(m.at));
  const base = `/2010-04-01/Accounts/${m.account}/Messages/${m.sid}`;
  const body = JSON.stringify({
    account_sid: m.account,
    api_version: '2010-04-01',
    body: m.body,
    date_created: now,
    date_sent: null,
    date_updated: now,
    direction: 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: null,
    num_media: '0',
    num_segments: '1',
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: 'queued',
    subresource_uris: { media: `${base}/Media.json`, feedback: `${base}/Feedback.json` },
    tags: {},
    to: m.to,
    uri: `${base}.json`,
  });
  res.writeHead(201, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}
