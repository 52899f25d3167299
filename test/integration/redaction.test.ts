import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_SID, startTestServer, type TestServer, fetchAsMain } from '../support/server.js';

// Redaction and deletion erase every copy of a message's text that Loft keeps: the message,
// the handset inbox, the webhook queue and attempt log, and a TwiML reply's origin. Messages
// go through the real pipeline (simulator, webhooks to a local app). Where the text could
// still be is checked on the store itself: on SQLite, the bytes of the database files (WAL
// included); on PostgreSQL, every live row of every table.
let t: TestServer;
let app: Server;
let appUrl = '';
const NUMBER = '+14155552345';
/** What the app's TwiML answers the next inbound message with (`{body}`: the message's text). */
let replyWith = '';
/** The status callbacks the app received: message SID and status. */
const callbacks: [string, string][] = [];

beforeAll(async () => {
  const web = express();
  web.use(express.urlencoded({ extended: false }));
  // Inbound webhooks by GET: the text travels in the query string.
  web.get('/sms', (req, res) => {
    const reply = replyWith.replace(
      '{body}',
      typeof req.query['Body'] === 'string' ? req.query['Body'] : '',
    );
    res.type('text/xml').send(`<Response><Message>${reply}</Message></Response>`);
  });
  web.post('/status', (req, res) => {
    callbacks.push([String(req.body.MessageSid), String(req.body.MessageStatus)]);
    res.sendStatus(204);
  });
  await new Promise<void>((ok) => {
    app = web.listen(0, '127.0.0.1', () => ok());
  });
  const addr = app.address();
  appUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  t = await startTestServer();
  t.client.messaging.baseUrl = t.url;
  await t.client.incomingPhoneNumbers.create({
    phoneNumber: NUMBER,
    smsUrl: `${appUrl}/sms`,
    smsMethod: 'GET',
  });
});
afterAll(async () => {
  await t.close();
  await new Promise((ok) => app.close(ok));
});

/** A text no other test uses: letters only (no one-time code in it; a plain LIKE pattern). */
const marker = () =>
  'M' + Array.from(randomBytes(16), (b) => String.fromCharCode(97 + (b % 26))).join('');

/**
 * Where the store still holds `text`: on SQLite the database files containing its bytes, on
 * PostgreSQL the tables with a live row containing it.
 */
async function holders(text: string): Promise<string[]> {
  if (!t.query) {
    return readdirSync(t.dir).filter((f) => readFileSync(join(t.dir, f)).includes(text));
  }
  const tables = await t.query(
    `select table_name as name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE'`,
  );
  const found = await t.query(
    tables
      .map(
        ({ name }) => `select '${String(name)}' as name from "${String(name)}" r
          where r::text like '%${text}%'`,
      )
      .join(' union ') || 'select 1 where false',
  );
  return found.map((r) => String(r['name']));
}

interface InboxEntry {
  sid: string;
  body: string;
  codes?: string[];
}
const inbox = async (handset: string): Promise<InboxEntry[]> =>
  (
    await (
      await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(handset)}/messages`)
    ).json()
  ).messages;

/** The handset texts Loft's number; returns the inbound message's SID. */
async function text(handset: string, body: string): Promise<string> {
  const r = await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(handset)}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ to: NUMBER, body, mediaUrls: [] }),
  });
  expect(r.status).toBe(201);
  return ((await r.json()) as { sid: string }).sid;
}

const loft = (sid: string, what: 'Events' | 'WebhookAttempts') =>
  t.http('GET', `/loft/v1/Accounts/${MAIN_SID}/Messages/${sid}/${what}`);

/** A message sent through the simulator with status callbacks, delivered and reported. */
async function delivered(to: string, body: string): Promise<string> {
  const m = await t.client.messages.create({
    from: NUMBER,
    to,
    body,
    statusCallback: `${appUrl}/status`,
  });
  await t.runDue();
  expect((await t.client.messages(m.sid).fetch()).status).toBe('delivered');
  expect((await inbox(to)).map((e) => e.sid)).toContain(m.sid);
  const reported = callbacks.filter(([s]) => s === m.sid).map(([, status]) => status);
  expect(reported).toEqual(['sending', 'sent', 'delivered']);
  return m.sid;
}

/** An inbound message whose webhook was answered with a TwiML reply; both SIDs. */
async function answered(handset: string, body: string, reply: string) {
  replyWith = reply;
  const inbound = await text(handset, body);
  await t.runDue();
  const [latest] = await inbox(handset);
  expect(latest?.body).toBe(reply.replace('{body}', body));
  const attempts = (await loft(inbound, 'WebhookAttempts')).json.attempts;
  expect(attempts).toHaveLength(1);
  return { inbound, reply: latest!.sid };
}

describe('redaction', () => {
  it('of a delivered message erases the message, the handset inbox (and its codes), the webhooks', async () => {
    const secret = marker();
    const to = '+14155550100';
    const sid = await delivered(to, `Your code is 482913 ${secret}`);
    expect((await inbox(to)).find((e) => e.sid === sid)?.codes).toEqual(['482913']);
    // Control: the text is there before (so this test can fail).
    expect(await holders(secret)).not.toEqual([]);

    const r = await t.client.messages(sid).update({ body: '' });
    expect(r.body).toBe('');
    expect(await holders(secret)).toEqual([]);
    expect((await t.client.messages(sid).fetch()).body).toBe('');
    expect((await inbox(to)).find((e) => e.sid === sid)).toMatchObject({ body: '', codes: [] });
    // The history and the attempt log stay, without the text.
    const events = (await loft(sid, 'Events')).json.events.map((e: { status: string }) => e.status);
    expect(events).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect((await loft(sid, 'WebhookAttempts')).json.attempts).toHaveLength(3);
  });

  it('of an inbound message erases its webhook (GET query, parameters, an excerpt quoting it); its reply is redacted on its own', async () => {
    const secret = marker();
    const handset = '+14155550101';
    const { inbound, reply } = await answered(handset, secret, 'You said {body}');
    const before = JSON.stringify((await loft(inbound, 'WebhookAttempts')).json);
    expect(before).toContain(secret);

    await t.client.messages(inbound).update({ body: '' });
    const attempt = (await loft(inbound, 'WebhookAttempts')).json.attempts[0];
    expect(JSON.stringify(attempt)).not.toContain(secret);
    expect(attempt.params.Body).toBe('');
    expect(attempt.url).toMatch(/[?&]Body=(&|$)/);
    expect(attempt.response_excerpt).toBeNull();
    expect((await inbox(handset)).find((e) => e.sid === inbound)?.body).toBe('');
    // The reply quotes it: a message of its own, redacted on its own.
    expect((await t.client.messages(reply).fetch()).body).toBe(`You said ${secret}`);
    await t.client.messages(reply).update({ body: '' });
    expect(await holders(secret)).toEqual([]);
  });

  it('of a TwiML reply drops the excerpt of the answer it came from', async () => {
    const secret = marker();
    const handset = '+14155550102';
    const { inbound, reply } = await answered(handset, 'code please', `Your code ${secret}`);
    expect(await holders(secret)).not.toEqual([]);

    await t.client.messages(reply).update({ body: '' });
    expect(await holders(secret)).toEqual([]);
    const attempt = (await loft(inbound, 'WebhookAttempts')).json.attempts[0];
    expect(attempt.response_excerpt).toBeNull();
    // The inbound message itself is untouched.
    expect(attempt.params.Body).toBe('code please');
  });

  it('of a message not sent yet is refused (20009) and changes nothing; once sent it works', async () => {
    const secret = marker();
    const to = '+14155550103';
    const m = await t.client.messages.create({ from: NUMBER, to, body: secret });
    expect(m.status).toBe('queued');
    await expect(t.client.messages(m.sid).update({ body: '' })).rejects.toMatchObject({
      status: 409,
      code: 20009,
    });
    expect((await t.client.messages(m.sid).fetch()).body).toBe(secret);
    await t.runDue();
    expect((await inbox(to)).find((e) => e.sid === m.sid)?.body).toBe(secret);
    await t.client.messages(m.sid).update({ body: '' });
    expect(await holders(secret)).toEqual([]);
  });

  it('of a scheduled message is refused, pointing at Status=canceled', async () => {
    const service = await t.client.messaging.v1.services.create({ friendlyName: 'later' });
    const [pn] = await t.client.incomingPhoneNumbers.list({ phoneNumber: NUMBER });
    await t.client.messaging.v1
      .services(service.sid)
      .phoneNumbers.create({ phoneNumberSid: pn!.sid });
    const m = await t.client.messages.create({
      messagingServiceSid: service.sid,
      to: '+14155550104',
      body: 'later',
      scheduleType: 'fixed',
      sendAt: new Date(Date.now() + 3_600_000),
    });
    expect(m.status).toBe('scheduled');
    const r = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages/${m.sid}.json`, {
      Body: '',
    });
    expect(r.status).toBe(409);
    expect(r.json).toMatchObject({ code: 20009, status: 409 });
    expect(r.json.message).toContain('Status=canceled');
    expect((await t.client.messages(m.sid).update({ status: 'canceled' })).status).toBe('canceled');
    await t.client.messaging.v1.services(service.sid).phoneNumbers(pn!.sid).remove();
  });
});

describe('deletion', () => {
  it('of a delivered message removes its handset copy, webhooks and attempt log', async () => {
    const secret = marker();
    const to = '+14155550105';
    const sid = await delivered(to, secret);
    expect(await holders(secret)).not.toEqual([]);
    expect(await t.client.messages(sid).remove()).toBe(true);
    expect(await holders(secret)).toEqual([]);
    expect((await inbox(to)).map((e) => e.sid)).not.toContain(sid);
    expect(await t.server.store.webhooks.attempts(sid)).toEqual([]);
  });

  it('of an inbound message and its reply removes their webhooks and the excerpt', async () => {
    const secret = marker();
    const handset = '+14155550106';
    const { inbound, reply } = await answered(handset, secret, 'You said {body}');
    expect(await t.client.messages(reply).remove()).toBe(true);
    expect(await t.client.messages(inbound).remove()).toBe(true);
    expect(await holders(secret)).toEqual([]);
    expect(await inbox(handset)).toEqual([]);
  });

  it('of a message sent without a final delivery report yet is refused (20009)', async () => {
    const to = '+14155550107';
    const rule = await fetchAsMain(`${t.url}/sim/rules`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: to, outcome: 'no-dlr' }),
    });
    expect(rule.status).toBe(201);
    const m = await t.client.messages.create({ from: NUMBER, to, body: 'stuck' });
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
    await expect(t.client.messages(m.sid).remove()).rejects.toMatchObject({
      status: 409,
      code: 20009,
      message: 'Cannot delete this resource before it is complete',
    });
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
    await fetchAsMain(`${t.url}/sim/rules/${(await rule.json()).id}`, { method: 'DELETE' });
  });
});
