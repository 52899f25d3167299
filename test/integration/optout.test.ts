import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REPLIES } from '../../src/optout/optout.keywords.js';
import { applyOptOut } from '../../src/optout/optout.service.js';
import { MAIN_SID, sdkClient, startTestServer, type TestServer } from '../support/server.js';

// The 21610 create-time check and Loft's opt-out configuration API, through a real server.
let t: TestServer;
const NUMBER = '+14155554001';
const OTHER_NUMBER = '+14155554002';
const POOL = ['+14155554011', '+14155554012'];
const HANDSET = '+14155550199';
let numberSid = '';
let serviceSid = '';

beforeAll(async () => {
  t = await startTestServer();
  t.client.messaging.baseUrl = t.url;
  numberSid = (await t.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER })).sid;
  await t.client.incomingPhoneNumbers.create({ phoneNumber: OTHER_NUMBER });
  serviceSid = (await t.client.messaging.v1.services.create({ friendlyName: 'optout' })).sid;
  for (const n of POOL) {
    const pn = await t.client.incomingPhoneNumbers.create({ phoneNumber: n });
    await t.client.messaging.v1
      .services(serviceSid)
      .phoneNumbers.create({ phoneNumberSid: pn.sid });
  }
});
afterAll(() => t.close());

const keyword = (body: string, to: string, messagingServiceSid: string | null = null) =>
  applyOptOut(
    t.server.store,
    { accountSid: MAIN_SID, from: HANDSET, to, messagingServiceSid, body },
    Date.now(),
  );

const rejection = async (p: Promise<unknown>) => {
  const e = (await p.then(
    () => {
      throw new Error('expected the create to be rejected');
    },
    (err: unknown) => err,
  )) as { status: number; code: number; message: string };
  return { status: e.status, code: e.code, message: e.message };
};

const UNSUBSCRIBED = {
  status: 400,
  code: 21610,
  message: 'Attempt to send to unsubscribed recipient',
};

describe('create to a handset that opted out (21610)', () => {
  it('a STOP to a plain number blocks that sender only, until START', async () => {
    await keyword('STOP', NUMBER);
    expect(
      await rejection(t.client.messages.create({ from: NUMBER, to: HANDSET, body: 'hi' })),
    ).toEqual(UNSUBSCRIBED);
    // Raw HTTP: Twilio's error envelope.
    const raw = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, {
      From: NUMBER,
      To: HANDSET,
      Body: 'hi',
    });
    expect(raw.status).toBe(400);
    expect(raw.json).toMatchObject({ code: 21610, status: 400 });
    expect(
      await t.server.store.messages.list(
        { accountSid: MAIN_SID, to: HANDSET, tags: [] },
        { limit: 10, direction: 'after' },
      ),
    ).toEqual([]);

    // Another sender of the account, and another handset, are unaffected.
    const other = await t.client.messages.create({ from: OTHER_NUMBER, to: HANDSET, body: 'ok' });
    expect(other.status).toBe('queued');
    const otherHandset = await t.client.messages.create({
      from: NUMBER,
      to: '+14155550198',
      body: 'ok',
    });
    expect(otherHandset.status).toBe('queued');

    await keyword('start', NUMBER);
    const after = await t.client.messages.create({ from: NUMBER, to: HANDSET, body: 'back' });
    expect(after.status).toBe('queued');
  });

  it('a STOP to a pool number blocks every sender of the Messaging Service', async () => {
    await keyword('cancel', POOL[0] ?? '', serviceSid);
    expect(
      await rejection(
        t.client.messages.create({ messagingServiceSid: serviceSid, to: HANDSET, body: 'x' }),
      ),
    ).toEqual(UNSUBSCRIBED);
    for (const from of POOL) {
      expect(await rejection(t.client.messages.create({ from, to: HANDSET, body: 'x' }))).toEqual(
        UNSUBSCRIBED,
      );
    }
    // A number outside the service still reaches the handset.
    expect((await t.client.messages.create({ from: NUMBER, to: HANDSET, body: 'x' })).status).toBe(
      'queued',
    );

    await keyword('UNSTOP', POOL[1] ?? '', serviceSid);
    const ok = await t.client.messages.create({
      messagingServiceSid: serviceSid,
      to: HANDSET,
      body: 'x',
    });
    expect(ok.status).toBe('accepted');
  });

  it("with test credentials, Twilio's magic To +15005550004 is an unsubscribed recipient", async () => {
    const creds = (await t.http('GET', `/loft/v1/Accounts/${MAIN_SID}/TestCredentials`)).json;
    const test = sdkClient(t.url, creds.test_account_sid, creds.test_auth_token);
    const create = { from: '+15005550006', to: '+15005550004', body: 'x' };
    expect(await rejection(test.messages.create(create))).toEqual(UNSUBSCRIBED);
    // With live credentials it is an ordinary number.
    const live = await t.client.messages.create({ ...create, from: NUMBER });
    expect(live.status).toBe('queued');
  });
});

describe('opt-out reply configuration (Loft extension)', () => {
  const numberPath = () =>
    `/2010-04-01/Accounts/${MAIN_SID}/IncomingPhoneNumbers/${numberSid}/OptOutReplies.json`;
  const servicePath = () => `/v1/Services/${serviceSid}/OptOutReplies`;

  it('a number: defaults, set, partial update, reset; the keyword reply follows', async () => {
    const initial = await t.http('GET', numberPath());
    expect(initial.status).toBe(200);
    expect(initial.json).toEqual({
      account_sid: MAIN_SID,
      phone_number_sid: numberSid,
      phone_number: NUMBER,
      stop_reply: DEFAULT_REPLIES.STOP,
      start_reply: DEFAULT_REPLIES.START,
      help_reply: DEFAULT_REPLIES.HELP,
      uri: numberPath(),
    });

    const set = await t.http('POST', numberPath(), {
      StopReply: 'Acme: unsubscribed.',
      HelpReply: 'Acme: help at acme.test',
    });
    expect(set.status).toBe(200);
    expect(set.json).toMatchObject({
      stop_reply: 'Acme: unsubscribed.',
      start_reply: DEFAULT_REPLIES.START,
      help_reply: 'Acme: help at acme.test',
    });
    expect((await keyword('HELP', NUMBER)).reply).toBe('Acme: help at acme.test');

    // Only the fields sent change; an empty value goes back to the default.
    const reset = await t.http('POST', numberPath(), { HelpReply: '', StartReply: 'Welcome back' });
    expect(reset.json).toMatchObject({
      stop_reply: 'Acme: unsubscribed.',
      start_reply: 'Welcome back',
      help_reply: DEFAULT_REPLIES.HELP,
    });
    expect((await t.http('GET', numberPath())).json).toEqual(reset.json);
    expect((await keyword('STOP', NUMBER)).reply).toBe('Acme: unsubscribed.');
    expect((await keyword('START', NUMBER)).reply).toBe('Welcome back');
  });

  it('a service: round trip with an absolute url', async () => {
    const initial = await t.http('GET', servicePath());
    expect(initial.status).toBe(200);
    expect(initial.json).toEqual({
      account_sid: MAIN_SID,
      service_sid: serviceSid,
      stop_reply: DEFAULT_REPLIES.STOP,
      start_reply: DEFAULT_REPLIES.START,
      help_reply: DEFAULT_REPLIES.HELP,
      url: t.url + servicePath(),
    });
    const set = await t.http('POST', servicePath(), { StopReply: 'Svc bye' });
    expect(set.json).toMatchObject({ stop_reply: 'Svc bye', help_reply: DEFAULT_REPLIES.HELP });
    expect((await keyword('STOP', POOL[1] ?? '', serviceSid)).reply).toBe('Svc bye');
    await keyword('START', POOL[1] ?? '', serviceSid);
  });

  it('errors: unknown number or service (404), too long (400), other methods (405), no auth (401)', async () => {
    const unknownPn = `/2010-04-01/Accounts/${MAIN_SID}/IncomingPhoneNumbers/PN${'0'.repeat(32)}/OptOutReplies.json`;
    expect((await t.http('GET', unknownPn)).json).toMatchObject({ status: 404, code: 20404 });
    const unknownMg = `/v1/Services/MG${'0'.repeat(32)}/OptOutReplies`;
    expect((await t.http('POST', unknownMg, { StopReply: 'x' })).json).toMatchObject({
      status: 404,
      code: 20404,
    });
    const long = await t.http('POST', numberPath(), { StopReply: 'x'.repeat(1601) });
    expect(long.status).toBe(400);
    expect(long.json).toMatchObject({ code: 20001 });
    expect((await t.http('DELETE', numberPath())).status).toBe(405);
    expect((await t.http('GET', numberPath(), undefined, null)).status).toBe(401);
    expect((await t.http('GET', servicePath(), undefined, null)).status).toBe(401);
  });
});

describe('GET …/OptOuts.json', () => {
  it('lists current blocks, filterable, paged', async () => {
    await keyword('STOP', OTHER_NUMBER);
    await keyword('STOP', POOL[0] ?? '', serviceSid);
    const path = `/2010-04-01/Accounts/${MAIN_SID}/OptOuts.json`;
    const all = await t.http('GET', path);
    expect(all.status).toBe(200);
    const items = all.json.opt_outs as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    expect(items).toContainEqual(
      expect.objectContaining({
        account_sid: MAIN_SID,
        recipient: HANDSET,
        phone_number: OTHER_NUMBER,
        messaging_service_sid: null,
      }),
    );
    expect(items).toContainEqual(
      expect.objectContaining({ phone_number: null, messaging_service_sid: serviceSid }),
    );
    const byService = await t.http('GET', `${path}?MessagingServiceSid=${serviceSid}`);
    expect(byService.json.opt_outs).toHaveLength(1);
    const byNumber = await t.http('GET', `${path}?PhoneNumber=${encodeURIComponent(OTHER_NUMBER)}`);
    expect(byNumber.json.opt_outs).toHaveLength(1);
    const nobody = await t.http('GET', `${path}?Recipient=%2B14155550100`);
    expect(nobody.json.opt_outs).toEqual([]);
    const page = await t.http('GET', `${path}?PageSize=1`);
    expect(page.json.opt_outs).toHaveLength(1);
    expect(page.json.next_page_uri).toEqual(expect.stringContaining('PageToken='));
  });
});
