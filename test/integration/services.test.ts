import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import {
  basic,
  MAIN_SID,
  ManualClock,
  sdkClient,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// Messaging v1 Services and their PhoneNumbers pool, through twilio-node and raw HTTP. Every
// body either client sees is validated against twilio_messaging_v1.json (test/support/openapi.ts:
// every declared key, ISO dates, absolute links); the exact key order and values are asserted here.
let t: TestServer;
const clock = new ManualClock(Date.UTC(2025, 2, 3, 4, 5, 6));
const base = `/2010-04-01/Accounts/${MAIN_SID}`;
const numbers: Record<string, string> = {}; // E.164 → PN SID
let sub: { sid: string; token: string };

const SERVICE_KEYS = [
  'account_sid',
  'sid',
  'date_created',
  'date_updated',
  'friendly_name',
  'inbound_request_url',
  'inbound_method',
  'fallback_url',
  'fallback_method',
  'status_callback',
  'sticky_sender',
  'mms_converter',
  'smart_encoding',
  'fallback_to_long_code',
  'area_code_geomatch',
  'validity_period',
  'scan_message_content',
  'synchronous_validation',
  'usecase',
  'us_app_to_person_registered',
  'use_inbound_webhook_on_number',
  'links',
  'url',
];
const LINK_KEYS = [
  'phone_numbers',
  'short_codes',
  'alpha_senders',
  'messages',
  'us_app_to_person',
  'us_app_to_person_usecases',
  'channel_senders',
  'destination_alpha_senders',
];
const PHONE_KEYS = [
  'sid',
  'account_sid',
  'service_sid',
  'date_created',
  'date_updated',
  'phone_number',
  'country_code',
  'capabilities',
  'url',
];
const META_KEYS = [
  'page',
  'page_size',
  'first_page_url',
  'previous_page_url',
  'url',
  'next_page_url',
  'key',
];
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;

beforeAll(async () => {
  t = await startTestServer({ clock });
  t.client.messaging.baseUrl = t.url;
  for (const n of ['+14155552345', '+14155552346', '+12125550123', '+4915112345678']) {
    const r = await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: n });
    numbers[n] = r.json.sid;
  }
  const a = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'sub' });
  sub = { sid: a.json.sid, token: a.json.auth_token };
});
afterAll(() => t.close());

const v1 = (method: string, path: string, form?: Record<string, string>, auth?: string | null) =>
  t.http(method, path, form, auth);

async function expectV1Error(
  p: Promise<{ status: number; json: any }>,
  status: number,
  code: number,
) {
  const r = await p;
  expect(r.status, JSON.stringify(r.json)).toBe(status);
  assertTwilioError(r.json, status, code);
  return r.json as { message: string };
}

describe('Service resource', () => {
  it('creates with Twilio’s defaults and the exact v1 shape (201, ISO dates, absolute URLs)', async () => {
    const r = await v1('POST', '/v1/Services', { FriendlyName: 'Defaults' });
    expect(r.status).toBe(201);
    const s = r.json;
    expect(Object.keys(s)).toEqual(SERVICE_KEYS);
    expect(Object.keys(s.links)).toEqual(LINK_KEYS);
    expect(s.sid).toMatch(/^MG[0-9a-f]{32}$/);
    expect(s.account_sid).toBe(MAIN_SID);
    expect(s.date_created).toBe('2025-03-03T04:05:06Z');
    expect(s.date_updated).toMatch(ISO);
    expect(s).toMatchObject({
      friendly_name: 'Defaults',
      inbound_request_url: null,
      inbound_method: 'POST',
      fallback_url: null,
      fallback_method: 'POST',
      status_callback: null,
      sticky_sender: true,
      mms_converter: true,
      smart_encoding: true,
      area_code_geomatch: true,
      validity_period: 14400,
      scan_message_content: 'inherit',
      usecase: 'undeclared',
      us_app_to_person_registered: false,
      use_inbound_webhook_on_number: false,
    });
    expect(s.url).toBe(`${t.url}/v1/Services/${s.sid}`);
    expect(s.links.phone_numbers).toBe(`${t.url}/v1/Services/${s.sid}/PhoneNumbers`);
    expect(s.links.us_app_to_person_usecases).toBe(
      `${t.url}/v1/Services/${s.sid}/Compliance/Usa2p/Usecases`,
    );
  });

  it('creates, fetches, updates and deletes through the SDK', async () => {
    const created = await t.client.messaging.v1.services.create({
      friendlyName: 'My Service!',
      inboundRequestUrl: 'https://www.example.com/in',
      inboundMethod: 'GET',
      fallbackUrl: 'https://www.example.com/fb',
      fallbackMethod: 'GET',
      statusCallback: 'https://www.example.com/status',
      stickySender: false,
      mmsConverter: false,
      smartEncoding: false,
      scanMessageContent: 'disable',
      fallbackToLongCode: true,
      areaCodeGeomatch: false,
      validityPeriod: 600,
      synchronousValidation: true,
      usecase: 'marketing',
      useInboundWebhookOnNumber: true,
    });
    expect(created).toMatchObject({
      friendlyName: 'My Service!',
      inboundRequestUrl: 'https://www.example.com/in',
      inboundMethod: 'GET',
      fallbackUrl: 'https://www.example.com/fb',
      fallbackMethod: 'GET',
      statusCallback: 'https://www.example.com/status',
      stickySender: false,
      mmsConverter: false,
      smartEncoding: false,
      scanMessageContent: 'disable',
      fallbackToLongCode: true,
      areaCodeGeomatch: false,
      validityPeriod: 600,
      synchronousValidation: true,
      usecase: 'marketing',
      useInboundWebhookOnNumber: true,
    });
    expect(created.dateCreated).toEqual(new Date(clock.now() - (clock.now() % 1000)));

    const fetched = await t.client.messaging.v1.services(created.sid).fetch();
    expect(fetched.toJSON()).toEqual(created.toJSON());

    clock.advance(60_000);
    const updated = await t.client.messaging.v1
      .services(created.sid)
      .update({ friendlyName: 'Renamed', stickySender: true, fallbackUrl: '' });
    expect(updated.friendlyName).toBe('Renamed');
    expect(updated.stickySender).toBe(true);
    expect(updated.fallbackUrl).toBeNull();
    expect(updated.inboundRequestUrl).toBe('https://www.example.com/in');
    expect(updated.dateUpdated.getTime() - updated.dateCreated.getTime()).toBe(60_000);

    expect(await t.client.messaging.v1.services(created.sid).remove()).toBe(true);
    await expect(t.client.messaging.v1.services(created.sid).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    await expectV1Error(v1('DELETE', `/v1/Services/${created.sid}`), 404, 20404);
  });

  it('validates the create form', async () => {
    await expectV1Error(v1('POST', '/v1/Services', {}), 400, 20001);
    await expectV1Error(v1('POST', '/v1/Services', { FriendlyName: 'x'.repeat(65) }), 400, 20001);
    const bad: [Record<string, string>, number][] = [
      [{ Usecase: 'spam' }, 21713],
      [{ ValidityPeriod: '0' }, 20001],
      [{ ValidityPeriod: '14401' }, 20001],
      [{ InboundRequestUrl: 'not a url' }, 21402],
      [{ FallbackMethod: 'PUT' }, 21403],
      [{ StickySender: 'maybe' }, 20001],
      [{ ScanMessageContent: 'always' }, 20001],
    ];
    for (const [form, code] of bad) {
      await expectV1Error(v1('POST', '/v1/Services', { FriendlyName: 'x', ...form }), 400, code);
    }
  });

  it('pages with the v1 meta envelope, and the SDK follows meta.next_page_url', async () => {
    const other = sdkClient(t.url, sub.sid, sub.token);
    other.messaging.baseUrl = t.url;
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock.advance(1000);
      sids.push((await other.messaging.v1.services.create({ friendlyName: `p${i}` })).sid);
    }
    const auth = basic(sub.sid, sub.token);
    const first = await v1('GET', '/v1/Services?PageSize=2', undefined, auth);
    expect(first.status).toBe(200);
    expect(Object.keys(first.json)).toEqual(['services', 'meta']);
    expect(Object.keys(first.json.meta)).toEqual(META_KEYS);
    expect(first.json.meta).toMatchObject({
      page: 0,
      page_size: 2,
      key: 'services',
      first_page_url: `${t.url}/v1/Services?PageSize=2&Page=0`,
      url: `${t.url}/v1/Services?PageSize=2&Page=0`,
      previous_page_url: null,
    });
    expect(first.json.meta.next_page_url).toMatch(
      new RegExp(`^${t.url}/v1/Services\\?PageSize=2&Page=1&PageToken=PA`),
    );
    expect(first.json.services.map((s: { sid: string }) => s.sid)).toEqual(sids.slice(0, 2));
    for (const s of first.json.services) expect(Object.keys(s)).toEqual(SERVICE_KEYS);

    const all = await other.messaging.v1.services.list({ pageSize: 2 });
    expect(all.map((s) => s.sid)).toEqual(sids);
    const page1 = await other.messaging.v1.services.page({ pageSize: 2 });
    const page2 = await page1.nextPage();
    const page3 = await page2?.nextPage();
    expect(page2?.instances.map((s) => s.sid)).toEqual(sids.slice(2, 4));
    expect(page3?.instances.map((s) => s.sid)).toEqual(sids.slice(4));
    expect(page3?.nextPageUrl).toBeUndefined();
    const back = await page3?.previousPage();
    expect(back?.instances.map((s) => s.sid)).toEqual(sids.slice(2, 4));
  });

  it('scopes services to the authenticated account', async () => {
    const mine = await t.client.messaging.v1.services.create({ friendlyName: 'main only' });
    const auth = basic(sub.sid, sub.token);
    await expectV1Error(v1('GET', `/v1/Services/${mine.sid}`, undefined, auth), 404, 20404);
    await expectV1Error(v1('DELETE', `/v1/Services/${mine.sid}`, undefined, auth), 404, 20404);
    const listed = await v1('GET', '/v1/Services', undefined, auth);
    expect(listed.json.services.map((s: { sid: string }) => s.sid)).not.toContain(mine.sid);
    await expectV1Error(v1('GET', '/v1/Services', undefined, null), 401, 20003);
    await expectV1Error(v1('PUT', `/v1/Services/${mine.sid}`), 405, 20004);
  });

  it('builds absolute URLs from the Host the client used', async () => {
    const created = await t.client.messaging.v1.services.create({ friendlyName: 'host' });
    const { port } = new URL(t.url);
    const body = await new Promise<string>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port,
          path: `/v1/Services/${created.sid}`,
          headers: {
            host: 'loft.example.com:8443',
            authorization: basic(MAIN_SID, 'b2'.repeat(16)),
          },
        },
        (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(text));
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body).url).toBe(`http://loft.example.com:8443/v1/Services/${created.sid}`);
  });
});

describe('PhoneNumber subresource (the sender pool)', () => {
  it('adds, lists, fetches and removes pool numbers', async () => {
    const svc = await t.client.messaging.v1.services.create({ friendlyName: 'pool' });
    const pool = t.client.messaging.v1.services(svc.sid).phoneNumbers;
    clock.advance(1000);
    const added = await pool.create({ phoneNumberSid: numbers['+14155552345'] as string });
    expect(added).toMatchObject({
      sid: numbers['+14155552345'],
      accountSid: MAIN_SID,
      serviceSid: svc.sid,
      phoneNumber: '+14155552345',
      countryCode: 'US',
      capabilities: ['MMS', 'SMS', 'Voice'],
      url: `${t.url}/v1/Services/${svc.sid}/PhoneNumbers/${numbers['+14155552345']}`,
    });
    clock.advance(1000);
    await pool.create({ phoneNumberSid: numbers['+4915112345678'] as string });

    const raw = await v1('GET', `/v1/Services/${svc.sid}/PhoneNumbers?PageSize=1`);
    expect(Object.keys(raw.json)).toEqual(['phone_numbers', 'meta']);
    expect(raw.json.meta.key).toBe('phone_numbers');
    expect(Object.keys(raw.json.phone_numbers[0])).toEqual(PHONE_KEYS);
    expect(raw.json.phone_numbers[0].date_created).toMatch(ISO);
    const listed = await pool.list({ pageSize: 1 });
    expect(listed.map((n) => [n.phoneNumber, n.countryCode])).toEqual([
      ['+14155552345', 'US'],
      ['+4915112345678', 'DE'],
    ]);

    const one = await pool(numbers['+4915112345678'] as string).fetch();
    expect(one.phoneNumber).toBe('+4915112345678');
    expect(await pool(numbers['+4915112345678'] as string).remove()).toBe(true);
    await expect(pool(numbers['+4915112345678'] as string).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    expect((await pool.list()).map((n) => n.phoneNumber)).toEqual(['+14155552345']);
    await t.client.messaging.v1.services(svc.sid).remove();
  });

  it('refuses numbers the account does not own, malformed SIDs and a missing parameter', async () => {
    const svc = await t.client.messaging.v1.services.create({ friendlyName: 'refusals' });
    const path = `/v1/Services/${svc.sid}/PhoneNumbers`;
    const subNumber = await t.http(
      'POST',
      `/2010-04-01/Accounts/${sub.sid}/IncomingPhoneNumbers.json`,
      { PhoneNumber: '+16175550100' },
    );
    await expect(
      t.client.messaging.v1.services(svc.sid).phoneNumbers.create({
        phoneNumberSid: subNumber.json.sid,
      }),
    ).rejects.toMatchObject({ status: 400, code: 21421 });
    await expectV1Error(v1('POST', path, { PhoneNumberSid: 'PN' + '0'.repeat(32) }), 400, 21421);
    await expectV1Error(v1('POST', path, { PhoneNumberSid: 'PNnope' }), 400, 21421);
    await expectV1Error(v1('POST', path, {}), 400, 20001);
    await expectV1Error(
      v1('POST', `/v1/Services/MG${'0'.repeat(32)}/PhoneNumbers`, {
        PhoneNumberSid: numbers['+12125550123'] as string,
      }),
      404,
      20404,
    );
  });

  it('keeps a number in one pool (21712, 21710) and frees it when the service is deleted', async () => {
    const a = await t.client.messaging.v1.services.create({ friendlyName: 'a' });
    const b = await t.client.messaging.v1.services.create({ friendlyName: 'b' });
    const pn = numbers['+12125550123'] as string;
    await t.client.messaging.v1.services(a.sid).phoneNumbers.create({ phoneNumberSid: pn });
    await expectV1Error(
      v1('POST', `/v1/Services/${b.sid}/PhoneNumbers`, { PhoneNumberSid: pn }),
      400,
      21712,
    );
    await expectV1Error(
      v1('POST', `/v1/Services/${a.sid}/PhoneNumbers`, { PhoneNumberSid: pn }),
      400,
      21710,
    );
    await t.server.store.services.setStickySender(a.sid, '+14155550100', '+12125550123');
    await t.client.messaging.v1.services(a.sid).remove();
    expect(await t.server.store.services.getStickySender(a.sid, '+14155550100')).toBeUndefined();
    const moved = await t.client.messaging.v1
      .services(b.sid)
      .phoneNumbers.create({ phoneNumberSid: pn });
    expect(moved.serviceSid).toBe(b.sid);
    await t.client.messaging.v1.services(b.sid).remove();
  });

  it('drops a number from its pool when unlinked or released', async () => {
    const svc = await t.client.messaging.v1.services.create({ friendlyName: 'release' });
    const pool = t.client.messaging.v1.services(svc.sid).phoneNumbers;
    const bought = await t.http('POST', `${base}/IncomingPhoneNumbers.json`, {
      PhoneNumber: '+16175550199',
    });
    await pool.create({ phoneNumberSid: numbers['+14155552346'] as string });
    await pool.create({ phoneNumberSid: bought.json.sid });

    await t.server.store.services.unlinkPhoneNumber(numbers['+14155552346'] as string);
    expect((await pool.list()).map((n) => n.phoneNumber)).toEqual(['+16175550199']);
    expect(await t.server.store.services.findByPhoneNumber(bought.json.sid)).toMatchObject({
      sid: svc.sid,
    });

    // Released without an unlink: the pool no longer shows (or picks) it.
    await t.http('DELETE', `${base}/IncomingPhoneNumbers/${bought.json.sid}.json`);
    expect(await pool.list()).toEqual([]);
    expect(await t.server.store.services.pool(svc.sid)).toEqual([]);
  });
});

describe('Messages refer to services and applications of the account', () => {
  const create = (form: Record<string, string>, auth?: string) =>
    t.http('POST', `${base}/Messages.json`, form, auth);

  it('21701 for an unknown service or another account’s; 21705 for a malformed SID', async () => {
    const theirs = sdkClient(t.url, sub.sid, sub.token);
    theirs.messaging.baseUrl = t.url;
    const svc = await theirs.messaging.v1.services.create({ friendlyName: 'theirs' });
    const body = { To: '+14155550100', Body: 'x' };
    await expectV1Error(create({ ...body, MessagingServiceSid: svc.sid }), 400, 21701);
    await expectV1Error(
      create({ ...body, MessagingServiceSid: 'MG' + 'f'.repeat(32) }),
      400,
      21701,
    );
    await expectV1Error(create({ ...body, MessagingServiceSid: 'MGnope' }), 400, 21705);
    const mine = await t.client.messaging.v1.services.create({ friendlyName: 'mine' });
    const ok = await create({ ...body, MessagingServiceSid: mine.sid });
    expect(ok.status).toBe(201);
    expect(ok.json.messaging_service_sid).toBe(mine.sid);
  });

  it('21218 for an ApplicationSid the account does not have', async () => {
    const body = { To: '+14155550100', From: '+14155552345', Body: 'x' };
    await expectV1Error(create({ ...body, ApplicationSid: 'AP' + '1'.repeat(32) }), 400, 21218);
    const theirs = await t.http('POST', `/2010-04-01/Accounts/${sub.sid}/Applications.json`, {
      FriendlyName: 'theirs',
    });
    await expectV1Error(create({ ...body, ApplicationSid: theirs.json.sid }), 400, 21218);
    const mine = await t.client.applications.create({ friendlyName: 'mine' });
    const ok = await create({ ...body, ApplicationSid: mine.sid });
    expect(ok.status).toBe(201);
  });
});
