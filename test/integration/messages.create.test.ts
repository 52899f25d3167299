import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import {
  basic,
  MAIN_SID,
  ManualClock,
  startTestServer,
  type TestServer,
} from '../support/server.js';

let t: TestServer;
const clock = new ManualClock(Date.UTC(2025, 0, 15, 12, 0, 0));
const FROM = '+14155552345';
const TO = '+14155550100';
// Created in beforeAll: a MessagingServiceSid / ApplicationSid must name the account's own.
let MG: string;
let AP: string;
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

beforeAll(async () => {
  t = await startTestServer({ clock });
  await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: FROM });
  MG = (await t.http('POST', '/v1/Services', { FriendlyName: 'create tests' })).json.sid;
  AP = (await t.http('POST', `${base}/Applications.json`, { FriendlyName: 'app' })).json.sid;
});
afterAll(() => t.close());

const create = (form: Record<string, string | string[]>) =>
  t.http('POST', `${base}/Messages.json`, form);

async function expectError(form: Record<string, string | string[]>, code: number) {
  const r = await create(form);
  expect(r.status, JSON.stringify(r.json)).toBe(400);
  assertTwilioError(r.json, 400, code);
  return r.json as { message: string };
}

describe('create validation, in Twilio’s codes', () => {
  it('21604 without To', () => expectError({ From: FROM, Body: 'x' }, 21604));
  it('21603 without From or MessagingServiceSid', () => expectError({ To: TO, Body: 'x' }, 21603));
  it('21602 without Body, MediaUrl or ContentSid', () =>
    expectError({ To: TO, From: FROM }, 21602));
  it('21211 for an invalid To', async () => {
    const e = await expectError({ To: '+1415555', From: FROM, Body: 'x' }, 21211);
    expect(e.message).toBe("The 'To' number +1415555 is not a valid phone number.");
    await expectError({ To: 'not-a-number', From: FROM, Body: 'x' }, 21211);
  });
  it('21212 for an invalid From', () => expectError({ To: TO, From: '+1-not', Body: 'x' }, 21212));
  it('21659 for a From no account has', async () => {
    const e = await expectError({ To: TO, From: '+14155559999', Body: 'x' }, 21659);
    expect(e.message).toBe("'From' is not a Twilio phone number or Short Code country mismatch");
    await expectError({ To: TO, From: '12345', Body: 'x' }, 21659); // a short code
  });
  it('21660 for a From of another account (a subaccount, the parent)', async () => {
    const sub = (await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: 's' })).json;
    const subAuth = basic(sub.sid, sub.auth_token);
    const subBase = `/2010-04-01/Accounts/${sub.sid}`;
    const SUB_FROM = '+14155552399';
    await t.http('POST', `${subBase}/IncomingPhoneNumbers.json`, { PhoneNumber: SUB_FROM });
    const e = await expectError({ To: TO, From: SUB_FROM, Body: 'x' }, 21660);
    expect(e.message).toBe("Mismatch between the 'From' number and the account");
    const r = await t.http(
      'POST',
      `${subBase}/Messages.json`,
      { To: TO, From: FROM, Body: 'x' },
      subAuth,
    );
    expect(r.status).toBe(400);
    assertTwilioError(r.json, 400, 21660);
    // With a Messaging Service too: the From is checked against the account all the same.
    await expectError({ To: TO, From: SUB_FROM, MessagingServiceSid: MG, Body: 'x' }, 21660);
  });
  it('21606 for an own number that cannot send SMS', async () => {
    const NO_SMS = '+14155552398';
    await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: NO_SMS });
    const n = await t.server.store.phoneNumbers.findByNumber(NO_SMS);
    const config = { ...n!.config, capabilities: { ...n!.config.capabilities, sms: false } };
    await t.server.store.phoneNumbers.update({ ...n!, config });
    const e = await expectError({ To: TO, From: NO_SMS, Body: 'x' }, 21606);
    expect(e.message).toBe(
      `The 'From' phone number provided (${NO_SMS}) is not a valid message-capable Twilio phone number for this destination/account.`,
    );
  });
  it('21266 when To is From', async () => {
    const e = await expectError({ To: FROM, From: FROM, Body: 'x' }, 21266);
    expect(e.message).toBe("'To' and 'From' numbers cannot be the same");
    // The same number written differently is still the same number.
    await expectError({ To: '(415) 555-2345', From: FROM, Body: 'x' }, 21266);
  });
  it('21654 for ContentVariables without ContentSid', async () => {
    const e = await expectError(
      { To: TO, From: FROM, Body: 'x', ContentVariables: '{"1":"a"}' },
      21654,
    );
    expect(e.message).toBe('ContentSid Required');
  });
  it('21655 for a ContentSid: Loft stores no Content templates', async () => {
    const HX = 'HX' + '0'.repeat(32);
    const e = await expectError({ To: TO, From: FROM, ContentSid: HX }, 21655);
    expect(e.message).toBe('The ContentSid is Invalid');
    await expectError({ To: TO, From: FROM, ContentSid: HX, ContentVariables: '{"1":"a"}' }, 21655);
    await expectError({ To: TO, From: FROM, Body: 'x', ContentSid: 'not-an-hx' }, 21655);
  });
  it('21617 over 1600 characters; 1600 is fine', async () => {
    await expectError({ To: TO, From: FROM, Body: 'a'.repeat(1601) }, 21617);
    expect((await create({ To: TO, From: FROM, Body: 'a'.repeat(1600) })).status).toBe(201);
  });
  it('21623 over 10 media', () =>
    expectError(
      {
        To: TO,
        From: FROM,
        MediaUrl: Array.from({ length: 11 }, (_, i) => `https://e.com/${i}.png`),
      },
      21623,
    ));
  it('21620 for a bad media URL', () =>
    expectError({ To: TO, From: FROM, MediaUrl: ['https://e.com/a.png', 'ftp://x/y'] }, 21620));
  it('21609 for a bad StatusCallback', () =>
    expectError({ To: TO, From: FROM, Body: 'x', StatusCallback: 'not a url' }, 21609));
  it('21612 for an alphanumeric sender towards the US', () =>
    expectError({ To: TO, From: 'Loft', Body: 'x' }, 21612));
  it('an alphanumeric sender towards Germany is accepted', async () => {
    const r = await create({ To: '+4915112345678', From: 'Loft', Body: 'x' });
    expect(r.status).toBe(201);
    expect(r.json.from).toBe('Loft');
  });
  it('20001 for a malformed boolean or enum', async () => {
    await expectError({ To: TO, From: FROM, Body: 'x', ProvideFeedback: 'maybe' }, 20001);
    await expectError({ To: TO, From: FROM, Body: 'x', ContentRetention: 'forever' }, 20001);
  });
});

describe('hostile values never reach a 500', () => {
  for (const v of ['constructor', 'toString', '__proto__', 'hasOwnProperty']) {
    it(`To=${v} → 21211; From=${v} → a 400 (invalid, or an alphanumeric sender towards the US)`, async () => {
      await expectError({ To: v, From: FROM, Body: 'x' }, 21211);
      const r = await create({ To: TO, From: v, Body: 'x' });
      expect(r.status).toBe(400);
      expect([21212, 21612]).toContain(r.json.code);
    });
  }
});

describe('starting status and SIDs', () => {
  it('queued with From; SM prefix', async () => {
    const r = await create({ To: TO, From: FROM, Body: 'x' });
    expect(r.json.status).toBe('queued');
    expect(r.json.sid).toMatch(/^SM/);
  });
  it('MM prefix and num_media with media', async () => {
    const r = await create({
      To: TO,
      From: FROM,
      MediaUrl: ['https://e.com/a.png', 'https://e.com/b.jpg'],
    });
    expect(r.json.sid).toMatch(/^MM/);
    expect(r.json.num_media).toBe('2');
  });
  it('accepted with a MessagingServiceSid and no From (num_segments "0" until a sender is picked)', async () => {
    const r = await create({ To: TO, MessagingServiceSid: MG, Body: 'x' });
    expect(r.json).toMatchObject({
      status: 'accepted',
      from: null,
      messaging_service_sid: MG,
      num_segments: '0',
    });
  });
  it('21705 for a malformed MessagingServiceSid, 21701 for an unknown one', async () => {
    await expectError({ To: TO, MessagingServiceSid: 'MGnope', Body: 'x' }, 21705);
    await expectError({ To: TO, MessagingServiceSid: 'MG' + 'c3'.repeat(16), Body: 'x' }, 21701);
  });
  it('scheduled with ScheduleType=fixed and SendAt', async () => {
    const sendAt = new Date(clock.now() + 3600_000).toISOString().replace('.000', '');
    const r = await create({
      To: TO,
      MessagingServiceSid: MG,
      Body: 'x',
      ScheduleType: 'fixed',
      SendAt: sendAt,
    });
    expect(r.status).toBe(201);
    expect(r.json.status).toBe('scheduled');
    const c = await t.http('POST', `${base}/Messages/${r.json.sid}.json`, { Status: 'canceled' });
    expect(c.status).toBe(200);
    expect(c.json.status).toBe('canceled');
  });
  it('scheduling errors: 35111, 35118, 35114, 35115', async () => {
    const soon = new Date(clock.now() + 60_000).toISOString();
    const far = new Date(clock.now() + 36 * 86_400_000).toISOString();
    await expectError({ To: TO, MessagingServiceSid: MG, Body: 'x', ScheduleType: 'fixed' }, 35111);
    await expectError({ To: TO, From: FROM, Body: 'x', ScheduleType: 'fixed', SendAt: far }, 35118);
    await expectError(
      { To: TO, MessagingServiceSid: MG, Body: 'x', ScheduleType: 'fixed', SendAt: soon },
      35114,
    );
    await expectError(
      { To: TO, MessagingServiceSid: MG, Body: 'x', ScheduleType: 'fixed', SendAt: far },
      35114,
    );
    await expectError(
      { To: TO, MessagingServiceSid: MG, Body: 'x', ScheduleType: 'fixed', SendAt: 'tomorrow' },
      35115,
    );
  });
});

describe('segments', () => {
  const segs = async (body: string, extra: Record<string, string> = {}) =>
    (await create({ To: TO, From: FROM, Body: body, ...extra })).json.num_segments;
  it('GSM-7: 160 per single, 153 per part; extension characters count double', async () => {
    expect(await segs('a'.repeat(160))).toBe('1');
    expect(await segs('a'.repeat(161))).toBe('2');
    expect(await segs('€'.repeat(80))).toBe('1');
    expect(await segs('€'.repeat(81))).toBe('2');
  });
  it('UCS-2: 70 per single, 67 per part', async () => {
    expect(await segs('ж'.repeat(70))).toBe('1');
    expect(await segs('ж'.repeat(71))).toBe('2');
  });
  it('SmartEncoded turns look-alikes into GSM-7', async () => {
    const body = '“quoted” '.repeat(15); // 150 characters
    expect(await segs(body)).toBe('3');
    expect(await segs(body, { SmartEncoded: 'true' })).toBe('1');
  });
});

describe('every create parameter is accepted and stored', () => {
  it('stores options, tags and status callback', async () => {
    const r = await create({
      To: TO,
      From: FROM,
      Body: 'x',
      StatusCallback: 'https://example.com/cb?x=1',
      ApplicationSid: AP,
      MaxPrice: '0.5',
      ProvideFeedback: 'true',
      Attempt: '2',
      ValidityPeriod: '600',
      ForceDelivery: 'false',
      ContentRetention: 'retain',
      AddressRetention: 'obfuscate',
      SmartEncoded: 'false',
      PersistentAction: ['geo:37.78,-122.4', 'mailto:a@b.c'],
      TrafficType: 'free',
      ShortenUrls: 'false',
      SendAsMms: 'true',
      RiskCheck: 'disable',
      Tags: '{"campaign_name":"Spring-2022","message_type":"cart_abandoned"}',
    });
    expect(r.status).toBe(201);
    expect(r.json.tags).toEqual({ campaign_name: 'Spring-2022', message_type: 'cart_abandoned' });
    const stored = await t.server.store.messages.get(MAIN_SID, r.json.sid);
    expect(stored?.statusCallback).toBe('https://example.com/cb?x=1');
    expect(stored?.options).toMatchObject({
      ApplicationSid: AP,
      MaxPrice: '0.5',
      ProvideFeedback: 'true',
      Attempt: '2',
      ValidityPeriod: '600',
      PersistentAction: ['geo:37.78,-122.4', 'mailto:a@b.c'],
      AddressRetention: 'obfuscate',
      SendAsMms: 'true',
      RiskCheck: 'disable',
    });
  });
});

describe('tags', () => {
  const bad = [
    'not json',
    '[1,2]',
    '{"a":1}',
    '{"bad\\nkey":"v"}',
    '{"k":"tab\\tvalue"}',
    '{"":"v"}',
    `{"${'k'.repeat(129)}":"v"}`,
    `{"k":"${'v'.repeat(257)}"}`,
    JSON.stringify(Object.fromEntries(Array.from({ length: 11 }, (_, i) => [`k${i}`, 'v']))),
  ];
  for (const tags of bad) {
    it(`rejects ${tags.slice(0, 30)}`, () =>
      expectError({ To: TO, From: FROM, Body: 'x', Tags: tags }, 20001));
  }
  it("accepts the spec's example: spaces, and any printable Unicode", async () => {
    const tags = { campaign_name: 'Spring Sale 2022', 'clé "été"': '🎉 50 % off', empty: '' };
    const r = await create({ To: TO, From: FROM, Body: 'x', Tags: JSON.stringify(tags) });
    expect(r.status, r.text).toBe(201);
    expect(r.json.tags).toEqual(tags);
    expect((await t.http('GET', r.json.uri)).json.tags).toEqual(tags);
  });
  it('accepts the limits exactly', async () => {
    const tags = Object.fromEntries(
      Array.from({ length: 10 }, (_, i) => [`k${i}.~-_`, 'v'.repeat(256)]),
    );
    tags['k'.repeat(128)] = 'v';
    delete tags['k9.~-_'];
    const r = await create({ To: TO, From: FROM, Body: 'x', Tags: JSON.stringify(tags) });
    expect(r.status).toBe(201);
    expect(r.json.tags).toEqual(tags);
  });
});
