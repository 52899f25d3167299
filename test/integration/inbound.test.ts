import type { Server } from 'node:http';
import express from 'express';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';
import { until } from '../support/until.js';

// A webhook app written the way Twilio users write one: Express, twilio.webhook() validating
// the signature, MessagingResponse building the reply.
let t: TestServer;
let app: Server;
let appUrl = '';
const hits: { path: string; params: Record<string, string> }[] = [];
const NUMBER = '+14155552345';
const HANDSET = '+14155550100';

beforeAll(async () => {
  const web = express();
  web.use(express.urlencoded({ extended: false }));
  const validate = twilio.webhook(MAIN_TOKEN, { protocol: 'http' });
  web.post('/sms', validate, (req, res) => {
    hits.push({ path: '/sms', params: req.body });
    const twiml = new twilio.twiml.MessagingResponse();
    const body = String(req.body.Body ?? '');
    if (body === 'ping') twiml.message('pong');
    else if (body === 'media') twiml.message('here').media('http://127.0.0.1:1/x.png');
    else if (body === 'two') {
      twiml.message('first');
      twiml.message({ to: '+14155550199' }, 'second to someone else');
    } else if (body === 'redirect') twiml.redirect('/next');
    else if (body === 'bad') {
      res.type('text/xml').send('<Response><Message>unclosed');
      return;
    } else if (body === 'boom') {
      res.status(500).send('down');
      return;
    }
    res.type('text/xml').send(twiml.toString());
  });
  web.post('/next', validate, (req, res) => {
    hits.push({ path: '/next', params: req.body });
    const twiml = new twilio.twiml.MessagingResponse();
    twiml.message('redirected reply');
    res.type('text/xml').send(twiml.toString());
  });
  web.post('/fallback', validate, (req, res) => {
    hits.push({ path: '/fallback', params: req.body });
    const twiml = new twilio.twiml.MessagingResponse();
    twiml.message('from the fallback');
    res.type('text/xml').send(twiml.toString());
  });
  web.get('/hang', () => {
    // Never answers.
  });
  await new Promise<void>((ok) => {
    app = web.listen(0, '127.0.0.1', () => ok());
  });
  const addr = app.address();
  appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  t = await startTestServer({ delivery: 'auto' });
  await t.client.incomingPhoneNumbers.create({
    phoneNumber: NUMBER,
    smsUrl: `${appUrl}/sms`,
    smsFallbackUrl: `${appUrl}/fallback`,
  });
});
afterAll(async () => {
  await t.close();
  await new Promise((ok) => app.close(ok));
});

const text = async (body: string, extra: object = {}) => {
  const r = await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(HANDSET)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: NUMBER, body, ...extra }),
  });
  return { status: r.status, json: await r.json() };
};

const conversation = async (query = '') =>
  (await (
    await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(HANDSET)}/messages${query}`)
  ).json()) as {
    messages: {
      sid: string;
      direction: string;
      body: string;
      from: string;
      to: string;
      codes?: string[];
    }[];
  };

describe('inbound', () => {
  it('a handset texts a number: 201 with the inbound Message in Twilio JSON', async () => {
    const r = await text('hello there');
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      direction: 'inbound',
      status: 'received',
      from: HANDSET,
      to: NUMBER,
      body: 'hello there',
      num_segments: '1',
      account_sid: MAIN_SID,
    });
    expect(r.json.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const fetched = await t.client.messages(r.json.sid).fetch();
    expect(fetched.direction).toBe('inbound');
  });

  it('calls the webhook with Twilio’s signed parameters', async () => {
    const r = await text('params please');
    const hit = await until(() => hits.find((h) => h.params['MessageSid'] === r.json.sid));
    expect(hit.params).toMatchObject({
      MessageSid: r.json.sid,
      SmsSid: r.json.sid,
      SmsMessageSid: r.json.sid,
      AccountSid: MAIN_SID,
      From: HANDSET,
      To: NUMBER,
      Body: 'params please',
      NumMedia: '0',
      NumSegments: '1',
      SmsStatus: 'received',
      ApiVersion: '2010-04-01',
      FromCountry: 'US',
      ToCountry: 'US',
    });
  });

  it('TwiML reply → outbound-reply delivered to the handset', async () => {
    await text('ping');
    const reply = await until(async () =>
      (await conversation()).messages.find((m) => m.direction === 'received' && m.body === 'pong'),
    );
    expect(reply.from).toBe(NUMBER);
    const list = await t.client.messages.list({ to: HANDSET, from: NUMBER, limit: 50 });
    const msg = list.find((m) => m.body === 'pong');
    expect(msg?.direction).toBe('outbound-reply');
  });

  it('several <Message> elements, with a to override', async () => {
    await text('two');
    await until(async () => (await conversation()).messages.find((m) => m.body === 'first'));
    const other = await until(async () => {
      const r = await (
        await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent('+14155550199')}/messages`)
      ).json();
      return r.messages.find((m: { body: string }) => m.body === 'second to someone else');
    });
    expect(other.from).toBe(NUMBER);
  });

  it('<Redirect> is followed', async () => {
    await text('redirect');
    await until(async () =>
      (await conversation()).messages.find((m) => m.body === 'redirected reply'),
    );
    expect(hits.some((h) => h.path === '/next' && h.params['Body'] === 'redirect')).toBe(true);
  });

  it('a 500 from the webhook falls back to SmsFallbackUrl; the attempts are logged', async () => {
    const r = await text('boom');
    await until(async () =>
      (await conversation()).messages.find((m) => m.body === 'from the fallback'),
    );
    const attempts = await t.server.store.webhooks.attempts(r.json.sid);
    expect(attempts.map((a) => a.responseStatus)).toEqual([500, 200]);
  });

  it('bad TwiML is recorded (12100) and Loft stays healthy', async () => {
    const r = await text('bad');
    const attempt = await until(
      async () => (await t.server.store.webhooks.attempts(r.json.sid))[0],
    );
    expect(attempt.error).toMatch(/^12100/);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });

  it('long-poll returns as soon as a new message arrives', async () => {
    const before = await conversation();
    const newest = before.messages[0]!.sid;
    // The handset's reads, as the server makes them: the text is sent only once the poll has
    // read the handset and found nothing new, so only a poll that waits can answer with it.
    const sim = t.server.store.sim;
    const list = sim.listForHandset.bind(sim);
    let reads = 0;
    sim.listForHandset = async (...args) => {
      const rows = await list(...args);
      if (args[0] === HANDSET) reads++;
      return rows;
    };
    try {
      const started = Date.now();
      const poll = conversation(`?wait=10&after=${newest}`);
      await until(() => (reads > 0 ? true : undefined));
      await text('ping');
      const got = await poll;
      expect(got.messages.map((m) => m.body)).toContain('ping');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      sim.listForHandset = list;
    }
  });

  it('exposes one-time codes of received messages', async () => {
    await t.client.messages.create({
      from: NUMBER,
      to: HANDSET,
      body: 'Your code is 482913. It expires in 10 minutes.',
    });
    const m = await until(async () =>
      (await conversation()).messages.find((x) => x.body.startsWith('Your code')),
    );
    expect(m.codes).toEqual(['482913']);
  });

  it('texting a number nobody owns is a 404 in Twilio’s envelope', async () => {
    const r = await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(HANDSET)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: '+14155559876', body: 'x' }),
    });
    expect(r.status).toBe(404);
    expect((await r.json()).code).toBe(20404);
  });
});
