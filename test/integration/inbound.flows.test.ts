import type { Server } from 'node:http';
import express from 'express';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaServer, PNG, type MediaServer } from '../support/media-server.js';
import { until } from '../support/until.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// Conversations end to end: media both ways, reply status callbacks to `action`, opt-out on a
// plain number and on a Messaging Service, and a webhook that hangs.
let t: TestServer;
let app: Server;
let appUrl = '';
let media: MediaServer;
const inbound: Record<string, string>[] = [];
const actions: Record<string, string>[] = [];
const NUMBER = '+14155552345';
const SERVICE_NUMBER = '+14155552600';
const HANDSET = '+14155550142';

beforeAll(async () => {
  media = await startMediaServer();
  const web = express();
  web.use(express.urlencoded({ extended: false }));
  const validate = twilio.webhook(MAIN_TOKEN, { protocol: 'http' });
  web.post('/sms', validate, (req, res) => {
    inbound.push(req.body);
    const twiml = new twilio.twiml.MessagingResponse();
    if (req.body.Body === 'picture please') {
      twiml
        .message({ action: `${appUrl}/action`, method: 'POST' }, 'here you go')
        .media(`${media.base}/image.png`);
    } else if (!req.body.OptOutType) {
      twiml.message(`echo: ${req.body.Body}`);
    }
    res.type('text/xml').send(twiml.toString());
  });
  web.post('/action', validate, (req, res) => {
    actions.push(req.body);
    res.sendStatus(204);
  });
  web.post('/hang', () => {
    // Never answers.
  });
  await new Promise<void>((ok) => {
    app = web.listen(0, '127.0.0.1', () => ok());
  });
  const addr = app.address();
  appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  t = await startTestServer({ delivery: 'auto', env: { WEBHOOK_TIMEOUT_MS: '300' } });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, smsUrl: `${appUrl}/sms` });
  t.client.messaging.baseUrl = t.url;
  const service = await t.client.messaging.v1.services.create({
    friendlyName: 'svc',
    inboundRequestUrl: `${appUrl}/sms`,
  });
  const pn = await t.client.incomingPhoneNumbers.create({ phoneNumber: SERVICE_NUMBER });
  await t.client.messaging.v1.services(service.sid).phoneNumbers.create({ phoneNumberSid: pn.sid });
});
afterAll(async () => {
  await t.close();
  await new Promise((ok) => app.close(ok));
  await media.close();
});

const text = async (to: string, body: string, extra: object = {}, from = HANDSET) => {
  const r = await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(from)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to, body, ...extra }),
  });
  return { status: r.status, json: await r.json() };
};
const received = async (handset = HANDSET) =>
  (
    (await (
      await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(handset)}/messages`)
    ).json()) as {
      messages: { direction: string; body: string; from: string; media_urls: string[] }[];
    }
  ).messages.filter((m) => m.direction === 'received');

describe('media in and out', () => {
  it('inbound media reaches the webhook as MediaUrl0 (served by Loft behind Basic auth)', async () => {
    const r = await text(NUMBER, 'see this', { mediaUrls: [`${media.base}/image.png`] });
    expect(r.status).toBe(201);
    expect(r.json.sid).toMatch(/^MM/);
    expect(r.json.num_media).toBe('1');
    const hit = await until(() => inbound.find((p) => p['MessageSid'] === r.json.sid));
    expect(hit['NumMedia']).toBe('1');
    expect(hit['MediaContentType0']).toBe('image/png');
    const url = hit['MediaUrl0']!;
    expect(url).toMatch(
      new RegExp(`/2010-04-01/Accounts/${MAIN_SID}/Messages/${r.json.sid}/Media/ME[0-9a-f]{32}$`),
    );
    const path = new URL(url).pathname;
    const content = await fetch(`${t.url}${path}`, {
      headers: { authorization: basic(MAIN_SID, MAIN_TOKEN) },
    });
    expect(Buffer.from(await content.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await fetch(`${t.url}${path}`)).status).toBe(401);
  });

  it('a TwiML reply with <Media> is delivered as MMS, with status callbacks to its action URL', async () => {
    await text(NUMBER, 'picture please');
    const reply = await until(async () => (await received()).find((m) => m.body === 'here you go'));
    expect(reply.media_urls).toHaveLength(1);
    const statuses = await until(() => {
      const s = actions.map((a) => a['MessageStatus']);
      return s.includes('delivered') ? s : undefined;
    });
    expect(statuses).toEqual(['sending', 'sent', 'delivered']);
    expect(actions[0]!['SmsSid']).toMatch(/^MM/);
  });
});

describe('opt-out', () => {
  const optOutFlow = async (number: string, handset: string) => {
    // STOP: confirmation reply, webhook still called with OptOutType, later sends refused.
    const stop = await text(number, '  stop ', {}, handset);
    const hook = await until(() => inbound.find((p) => p['MessageSid'] === stop.json.sid));
    expect(hook['OptOutType']).toBe('STOP');
    await until(async () => (await received(handset)).find((m) => m.body.includes('unsubscribed')));
    await expect(
      t.client.messages.create({ from: number, to: handset, body: 'hi' }),
    ).rejects.toMatchObject({
      code: 21610,
    });
    // HELP: help text.
    await text(number, 'HELP', {}, handset);
    await until(async () => (await received(handset)).find((m) => m.body.startsWith('Reply STOP')));
    // START: re-subscribed; sends work again.
    await text(number, 'start', {}, handset);
    await until(async () =>
      (await received(handset)).find((m) => m.body.includes('re-subscribed')),
    );
    const ok = await t.client.messages.create({ from: number, to: handset, body: 'welcome back' });
    expect(ok.status).toBe('queued');
  };

  it('STOP / HELP / START on a plain number', () => optOutFlow(NUMBER, '+14155550143'));
  it('STOP / HELP / START on a Messaging Service number', () =>
    optOutFlow(SERVICE_NUMBER, '+14155550144'));
  it("a reply the opt-out fails counts its segments with the service's SmartEncoding", async () => {
    const handset = '+14155550146';
    await text(SERVICE_NUMBER, 'STOP', {}, handset);
    // 100 characters with curly quotes: 2 segments as UCS-2, 1 smart-encoded (the default).
    const body = `\u201cHi\u201d ${'x'.repeat(94)}`;
    await text(SERVICE_NUMBER, body, {}, handset);
    const reply = await until(async () =>
      (await t.client.messages.list({ from: SERVICE_NUMBER, to: handset })).find(
        (m) => m.body === `echo: ${body}`,
      ),
    );
    expect(reply.status).toBe('failed');
    expect(reply.errorCode).toBe(21610);
    expect(reply.numSegments).toBe('1');
  });
  it('"STOP PLEASE" is not a keyword', async () => {
    const r = await text(NUMBER, 'STOP PLEASE', {}, '+14155550145');
    const hook = await until(() => inbound.find((p) => p['MessageSid'] === r.json.sid));
    expect(hook['OptOutType']).toBeUndefined();
    const ok = await t.client.messages.create({
      from: NUMBER,
      to: '+14155550145',
      body: 'still here',
    });
    expect(ok.status).toBe('queued');
  });
});

describe('a webhook that hangs', () => {
  it('is cut off at the timeout, recorded, and Loft stays healthy', async () => {
    const pn = await t.client.incomingPhoneNumbers.create({
      phoneNumber: '+14155552700',
      smsUrl: `${appUrl}/hang`,
    });
    const r = await text(pn.phoneNumber, 'anyone?');
    const attempt = await until(
      async () => (await t.server.store.webhooks.attempts(r.json.sid))[0],
    );
    expect(attempt.error).toMatch(/timeout/);
    expect(attempt.responseStatus).toBeNull();
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  });
});
