import { createServer, type IncomingMessage, type Server } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_TOKEN, startTestServer, type TestServer, fetchAsMain } from '../support/server.js';
import { until } from '../support/until.js';

// Status callbacks end to end: a real receiver validating X-Twilio-Signature with the SDK.
let t: TestServer;
let receiver: Server;
let receiverUrl = '';
const received: { params: Record<string, string>; valid: boolean; path: string }[] = [];
let failuresLeft = 0;
const FROM = '+14155552345';

const readBody = (req: IncomingMessage) =>
  new Promise<string>((ok) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => ok(b));
  });

beforeAll(async () => {
  receiver = createServer((req, res) => {
    void readBody(req).then((body) => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const url = `${receiverUrl}${req.url?.replace(/^\//, '/') ?? ''}`;
      const valid = twilio.validateRequest(
        MAIN_TOKEN,
        String(req.headers['x-twilio-signature']),
        url,
        params,
      );
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(500).end('nope');
        return;
      }
      received.push({ params, valid, path: req.url ?? '' });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  const addr = receiver.address();
  receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  t = await startTestServer({ delivery: 'auto' });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t.close();
  await new Promise((ok) => receiver.close(ok));
});

describe('status callbacks', () => {
  it('POSTs every change after creation, signed, with Twilio’s parameters, in order', async () => {
    const cb = `${receiverUrl}/status?tag=a`;
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'hi',
      statusCallback: cb,
    });
    const mine = () => received.filter((r) => r.params['MessageSid'] === m.sid);
    await until(() => (mine().length >= 3 ? true : undefined));
    const calls = mine();
    expect(calls.map((c) => c.params['MessageStatus'])).toEqual(['sending', 'sent', 'delivered']);
    expect(calls.every((c) => c.valid)).toBe(true);
    expect(calls.every((c) => c.path === '/status?tag=a')).toBe(true);
    const last = calls[2]!.params;
    expect(last).toMatchObject({
      MessageSid: m.sid,
      SmsSid: m.sid,
      SmsStatus: 'delivered',
      AccountSid: m.accountSid,
      From: FROM,
      To: '+14155550100',
      ApiVersion: '2010-04-01',
    });
    expect(last['RawDlrDoneDate']).toMatch(/^\d{10}$/);
    expect(last).not.toHaveProperty('ErrorCode');
  });

  it('carries ErrorCode on undelivered', async () => {
    await fetchAsMain(`${t.url}/sim/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: '+14155550177', outcome: 'undelivered:30007' }),
    });
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550177',
      body: 'x',
      statusCallback: `${receiverUrl}/s`,
    });
    const last = await until(() =>
      received.find(
        (r) => r.params['MessageSid'] === m.sid && r.params['MessageStatus'] === 'undelivered',
      ),
    );
    expect(last.params['ErrorCode']).toBe('30007');
    expect(last.valid).toBe(true);
  });

  it('retries a failing receiver and keeps the order', async () => {
    failuresLeft = 1;
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'retry',
      statusCallback: `${receiverUrl}/r`,
    });
    const mine = () => received.filter((r) => r.params['MessageSid'] === m.sid);
    await until(() => (mine().length >= 3 ? true : undefined), 15_000);
    expect(mine().map((c) => c.params['MessageStatus'])).toEqual(['sending', 'sent', 'delivered']);
    // The receiver counts a callback before its 200 reaches Loft, which logs the attempt after.
    const attempts = await until(async () => {
      const list = await t.server.store.webhooks.attempts(m.sid);
      return list.length >= 4 ? list : undefined;
    });
    expect(attempts.length).toBe(4);
    expect(attempts.filter((a) => a.responseStatus === 500)).toHaveLength(1);
  }, 20_000);
});

describe('Loft read API', () => {
  it('shows a message’s status history and its webhook attempts', async () => {
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'h',
      statusCallback: `${receiverUrl}/h`,
    });
    await until(() =>
      received.filter((r) => r.params['MessageSid'] === m.sid).length >= 3 ? true : undefined,
    );
    const auth = {
      authorization: 'Basic ' + Buffer.from(`${m.accountSid}:${MAIN_TOKEN}`).toString('base64'),
    };
    const base = `${t.url}/loft/v1/Accounts/${m.accountSid}/Messages/${m.sid}`;
    const events = await (await fetch(`${base}/Events`, { headers: auth })).json();
    expect(events.events.map((e: { status: string }) => e.status)).toEqual([
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    const attempts = await until(async () => {
      const a = await (await fetch(`${base}/WebhookAttempts`, { headers: auth })).json();
      return a.attempts.length >= 3 ? a : undefined;
    });
    expect(attempts.attempts[0]).toMatchObject({
      url: `${receiverUrl}/h`,
      method: 'POST',
      response_status: 200,
    });
    expect((await fetch(`${base}/Events`)).status).toBe(401);
  });
});
