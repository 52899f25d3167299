import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import {
  basic,
  MAIN_SID,
  sdkClient,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// Twilio's test credentials (twilio.com/docs/iam/test-credentials): every account has a test
// Account SID and token that only create messages, which are validated and never stored, sent
// or called back; every other route is 403 / 20008.

let t: TestServer;
let testSid: string;
let testToken: string;
let test: ReturnType<typeof sdkClient>;
const FROM = '+14155552345'; // owned by the main account (live)
const TO = '+14155550100';
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

// A local app receiving status callbacks.
let app: HttpServer;
let appUrl: string;
const callbacks: string[] = [];

beforeAll(async () => {
  t = await startTestServer();
  await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: FROM });
  const r = await readTestCredentials(MAIN_SID);
  testSid = r.json.test_account_sid;
  testToken = r.json.test_auth_token;
  test = sdkClient(t.url, testSid, testToken);
  app = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      callbacks.push(body);
      res.end('ok');
    });
  });
  await new Promise<void>((ok) => app.listen(0, '127.0.0.1', ok));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/status`;
});
afterAll(async () => {
  await new Promise((ok) => app.close(ok));
  await t.close();
});

/** The status and Twilio code an SDK call was rejected with. */
async function rejection(p: Promise<unknown>): Promise<{ status: number; code: number }> {
  try {
    await p;
  } catch (e) {
    const { status, code } = e as { status: number; code: number };
    return { status, code };
  }
  throw new Error('expected the call to fail');
}

/** `GET /loft/v1/Accounts/{sid}/TestCredentials` as `user:pass` (the main account by default). */
const readTestCredentials = (sid: string, user?: string, pass?: string) =>
  t.http(
    'GET',
    `/loft/v1/Accounts/${sid}/TestCredentials`,
    undefined,
    user === undefined ? undefined : basic(user, pass ?? ''),
  );

const inbox = async (number: string): Promise<unknown[]> =>
  (await (await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(number)}/messages`)).json())
    .messages;

describe('the test credentials endpoint (GET /loft/v1/Accounts/{AC}/TestCredentials)', () => {
  it('gives each account a test SID and token of its own, the same every time', async () => {
    expect(testSid).toMatch(/^AC[0-9a-f]{32}$/);
    expect(testSid).not.toBe(MAIN_SID);
    expect(testToken).toMatch(/^[0-9a-f]{32}$/);
    const again = await readTestCredentials(MAIN_SID);
    expect(again.json).toMatchObject({
      account_sid: MAIN_SID,
      test_account_sid: testSid,
      test_auth_token: testToken,
    });
  });
  it('a parent reads its subaccount’s; the subaccount its own, never its parent’s', async () => {
    const sub = await t.client.api.v2010.accounts.create({ friendlyName: 'sub' });
    const byParent = await readTestCredentials(sub.sid);
    expect(byParent.status).toBe(200);
    expect(byParent.json.test_account_sid).not.toBe(testSid);
    const bySub = await readTestCredentials(sub.sid, sub.sid, sub.authToken);
    expect(bySub.json).toEqual(byParent.json);
    const subOnParent = await readTestCredentials(MAIN_SID, sub.sid, sub.authToken);
    assertTwilioError(subOnParent.json, 401, 20003);
    // The subaccount's test credentials send as its test account.
    const subTest = sdkClient(t.url, byParent.json.test_account_sid, byParent.json.test_auth_token);
    const m = await subTest.messages.create({ from: '+15005550006', to: TO, body: 'x' });
    expect(m.accountSid).toBe(byParent.json.test_account_sid);
  });
  it('API keys and test credentials cannot read it', async () => {
    const key = await t.client.newKeys.create({ friendlyName: 'k' });
    const byKey = await readTestCredentials(MAIN_SID, key.sid, key.secret);
    assertTwilioError(byKey.json, 401, 20003);
    const byTest = await readTestCredentials(testSid, testSid, testToken);
    assertTwilioError(byTest.json, 403, 20008);
  });
});

describe('creating messages with test credentials', () => {
  it('201 with a full Message of the test account; nothing stored, delivered or called back', async () => {
    const HANDSET = '+14155550111';
    const m = await test.messages.create({
      from: '+15005550006',
      to: HANDSET,
      body: 'test run',
      statusCallback: appUrl,
    });
    expect(m.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(m).toMatchObject({
      accountSid: testSid,
      from: '+15005550006',
      to: HANDSET,
      body: 'test run',
      status: 'queued',
      direction: 'outbound-api',
      numSegments: '1',
    });
    expect(m.uri).toBe(`/2010-04-01/Accounts/${testSid}/Messages/${m.sid}.json`);

    // A live send with the same callback URL, delivered and called back, for comparison.
    const LIVE_HANDSET = '+14155550112';
    await t.client.messages.create({
      from: FROM,
      to: LIVE_HANDSET,
      body: 'live',
      statusCallback: appUrl,
    });
    await t.runDue();
    expect(await inbox(LIVE_HANDSET)).toHaveLength(1);
    expect(callbacks.length).toBeGreaterThan(0);
    expect(callbacks.every((c) => !c.includes(m.sid))).toBe(true);
    expect(await inbox(HANDSET)).toHaveLength(0);
    const live = await t.client.messages.list({ limit: 100 });
    expect(live.map((x) => x.sid)).not.toContain(m.sid);
    expect(await rejection(t.client.messages(m.sid).fetch())).toEqual({ status: 404, code: 20404 });
  });

  const magic: [Record<string, string>, number][] = [
    [{ from: '+15005550001' }, 21212],
    [{ from: '+15005550007' }, 21606],
    [{ from: '+15005550008' }, 21611],
    [{ to: '+15005550001' }, 21211],
    [{ to: '+15005550002' }, 21612],
    [{ to: '+15005550003' }, 21408],
    [{ to: '+15005550004' }, 21610],
    [{ to: '+15005550009' }, 21614],
    // Any other From is not the test account's: even the live account's own number.
    [{ from: FROM }, 21606],
    [{ from: '+14155559999' }, 21606],
  ];
  for (const [override, code] of magic) {
    it(`magic numbers: ${JSON.stringify(override)} → ${code}`, async () => {
      const form = { from: '+15005550006', to: TO, body: 'x', ...override };
      expect(await rejection(test.messages.create(form))).toEqual({ status: 400, code });
    });
  }

  it('input is otherwise validated as if live', async () => {
    const create = (over: object) =>
      rejection(test.messages.create({ from: '+15005550006', to: TO, body: 'x', ...over }));
    expect(await create({ to: '+1415555' })).toEqual({ status: 400, code: 21211 });
    expect(await create({ body: '' })).toEqual({ status: 400, code: 21602 });
    expect(await create({ to: '+15005550006' })).toEqual({ status: 400, code: 21266 });
    expect(await create({ contentSid: 'HX' + '0'.repeat(32) })).toEqual({
      status: 400,
      code: 21655,
    });
  });

  it('MessagingServiceSid is not supported: the test account has no services (21701)', async () => {
    const svc = await t.http('POST', '/v1/Services', { FriendlyName: 'live' });
    expect(svc.status).toBe(201);
    const r = await rejection(
      test.messages.create({ messagingServiceSid: svc.json.sid, to: TO, body: 'x' }),
    );
    expect(r).toEqual({ status: 400, code: 21701 });
  });
});

describe('everything else with test credentials', () => {
  it('reads, updates and other resources answer 403 / 20008', async () => {
    expect(await rejection(test.messages.list({ limit: 1 }))).toEqual({ status: 403, code: 20008 });
    const sid = 'SM' + '0'.repeat(32);
    expect(await rejection(test.messages(sid).fetch())).toEqual({ status: 403, code: 20008 });
    expect(await rejection(test.messages(sid).remove())).toEqual({ status: 403, code: 20008 });
    expect(await rejection(test.api.v2010.accounts(testSid).fetch())).toEqual({
      status: 403,
      code: 20008,
    });
    const r = await t.http(
      'GET',
      `/2010-04-01/Accounts/${testSid}/IncomingPhoneNumbers.json`,
      undefined,
      basic(testSid, testToken),
    );
    expect(r.status).toBe(403);
    assertTwilioError(r.json, 403, 20008);
    expect(r.json.message).toBe('Resource not accessible with Test Account Credentials');
  });
  it('a wrong test token is 401; test credentials on the live account are 401 (20003)', async () => {
    const wrong = await t.http(
      'POST',
      `/2010-04-01/Accounts/${testSid}/Messages.json`,
      { From: '+15005550006', To: TO, Body: 'x' },
      basic(testSid, 'f'.repeat(32)),
    );
    assertTwilioError(wrong.json, 401, 20003);
    const onLive = await t.http(
      'POST',
      `${base}/Messages.json`,
      { From: '+15005550006', To: TO, Body: 'x' },
      basic(testSid, testToken),
    );
    assertTwilioError(onLive.json, 401, 20003);
  });
});

describe('live credentials', () => {
  it('+15005550006 is an ordinary number no account has (21659)', async () => {
    const r = await rejection(
      t.client.messages.create({ from: '+15005550006', to: TO, body: 'x' }),
    );
    expect(r).toEqual({ status: 400, code: 21659 });
  });
  it('the magic To numbers are ordinary numbers', async () => {
    const m = await t.client.messages.create({ from: FROM, to: '+15005550009', body: 'x' });
    expect(m.status).toBe('queued');
    expect(m.accountSid).toBe(MAIN_SID);
  });
});
