import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { TwilioError } from '../../src/http/errors.js';
import type { FormParams } from '../../src/http/form.js';
import { sequentialIds } from '../../src/ids.js';
import { toPhoneNumberJson } from '../../src/phone-numbers/phone-numbers.mapper.js';
import { defaultConfig } from '../../src/phone-numbers/phone-numbers.params.js';
import {
  phoneNumberPattern,
  phoneNumbersService,
  type PhoneNumbersService,
} from '../../src/phone-numbers/phone-numbers.service.js';
import { defaultApplicationConfig } from '../../src/applications/applications.params.js';
import type { Account, PhoneNumber } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { assertMatchesSpec, assertTwilioError } from '../support/openapi.js';

const AC = 'AC' + '0123456789abcdef'.repeat(2);
const AC2 = 'AC' + 'fedcba9876543210'.repeat(2);
const PN = 'PN' + '00112233445566778899aabbccddeeff';
const T0 = Date.UTC(2024, 0, 2, 3, 4, 5);
const LIST = `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers.json`;
const item = (sid: string): string => `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${sid}.json`;
const strict = { requireAllProperties: true };

function account(sid: string): Account {
  return {
    sid,
    ownerAccountSid: sid,
    friendlyName: 'Test',
    authToken: 'a'.repeat(32),
    status: 'active',
    type: 'Full',
    dateCreated: T0,
    dateUpdated: T0,
  };
}

function number(overrides: Partial<PhoneNumber> = {}): PhoneNumber {
  return {
    sid: PN,
    accountSid: AC,
    phoneNumber: '+14155552345',
    friendlyName: '',
    config: defaultConfig(),
    dateCreated: T0,
    dateUpdated: T0,
    ...overrides,
  };
}

/** Awaits a rejection and checks it is a Twilio error with this status and code. */
async function expectError(p: Promise<unknown>, status: number, code: number): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TwilioError);
  const body = (err as TwilioError).toBody();
  assertTwilioError(body, status, code);
  return body.message;
}

describe('toPhoneNumberJson', () => {
  it('renders every spec property with Twilio defaults', () => {
    const json = toPhoneNumberJson(number());
    assertMatchesSpec('GET', item(PN), 200, json, strict);
    expect(json).toMatchObject({
      account_sid: AC,
      sid: PN,
      phone_number: '+14155552345',
      friendly_name: '(415) 555-2345',
      api_version: '2010-04-01',
      beta: false,
      origin: 'twilio',
      status: 'in-use',
      type: 'local',
      address_requirements: 'none',
      capabilities: { voice: true, sms: true, mms: true, fax: false },
      sms_url: '',
      sms_method: 'POST',
      sms_fallback_url: '',
      sms_fallback_method: 'POST',
      sms_application_sid: '',
      status_callback: '',
      status_callback_method: 'POST',
      voice_url: null,
      voice_method: 'POST',
      voice_fallback_url: null,
      voice_fallback_method: 'POST',
      voice_application_sid: '',
      voice_caller_id_lookup: false,
      voice_receive_mode: 'voice',
      trunk_sid: null,
      address_sid: null,
      identity_sid: null,
      bundle_sid: null,
      emergency_status: 'Inactive',
      emergency_address_sid: null,
      emergency_address_status: 'unregistered',
      date_created: 'Tue, 02 Jan 2024 03:04:05 +0000',
      date_updated: 'Tue, 02 Jan 2024 03:04:05 +0000',
      uri: item(PN),
      subresource_uris: {
        assigned_add_ons: `/2010-04-01/Accounts/${AC}/IncomingPhoneNumbers/${PN}/AssignedAddOns.json`,
      },
    });
  });

  it('maps config.extra back to snake_case JSON with the spec types', () => {
    const AP = 'AP' + '1'.repeat(32);
    const AD = 'AD' + '2'.repeat(32);
    const json = toPhoneNumberJson(
      number({
        friendlyName: 'Support line',
        config: {
          ...defaultConfig(),
          smsUrl: 'https://example.com/sms',
          smsMethod: 'GET',
          smsApplicationSid: AP,
          extra: {
            ApiVersion: '2008-08-01',
            VoiceUrl: 'https://example.com/voice',
            VoiceMethod: 'GET',
            VoiceFallbackUrl: 'https://example.com/voice-fallback',
            VoiceFallbackMethod: 'GET',
            StatusCallback: 'https://example.com/status',
            StatusCallbackMethod: 'GET',
            VoiceCallerIdLookup: 'true',
            VoiceApplicationSid: AP,
            IdentitySid: 'RI' + '3'.repeat(32),
            AddressSid: AD,
            EmergencyStatus: 'Active',
            EmergencyAddressSid: AD,
            VoiceReceiveMode: 'fax',
            BundleSid: 'BU' + '4'.repeat(32),
          },
        },
      }),
    );
    assertMatchesSpec('GET', item(PN), 200, json, strict);
    expect(json).toMatchObject({
      friendly_name: 'Support line',
      api_version: '2008-08-01',
      sms_url: 'https://example.com/sms',
      sms_method: 'GET',
      sms_application_sid: AP,
      voice_url: 'https://example.com/voice',
      voice_fallback_url: 'https://example.com/voice-fallback',
      status_callback: 'https://example.com/status',
      status_callback_method: 'GET',
      voice_caller_id_lookup: true,
      voice_application_sid: AP,
      address_sid: AD,
      emergency_status: 'Active',
      emergency_address_sid: AD,
      emergency_address_status: 'registered',
      voice_receive_mode: 'fax',
    });
  });

  it('derives type and default friendly name from the number', () => {
    const of = (phoneNumber: string) => toPhoneNumberJson(number({ phoneNumber }));
    expect(of('+18005551234')).toMatchObject({ type: 'tollfree', friendly_name: '(800) 555-1234' });
    expect(of('+18335550123').type).toBe('tollfree');
    expect(of('+16045552345')).toMatchObject({ type: 'local', friendly_name: '(604) 555-2345' });
    expect(of('+33612345678')).toMatchObject({ type: 'mobile', friendly_name: '06 12 34 56 78' });
    expect(of('+442079460958')).toMatchObject({ type: 'local', friendly_name: '020 7946 0958' });
  });
});

describe('phoneNumberPattern', () => {
  it('matches partial numbers anywhere, * as one digit', () => {
    expect(phoneNumberPattern('555')).toBe('%555%');
    expect(phoneNumberPattern('+1415***2345')).toBe('%+1415___2345%');
    expect(phoneNumberPattern('(415) 555-2345')).toBe('%4155552345%');
    expect(phoneNumberPattern(' ')).toBeUndefined();
    expect(phoneNumberPattern('abc')).toBeNull();
    expect(phoneNumberPattern('5%5')).toBeNull();
  });
});

describe('phoneNumbersService', () => {
  let store: Store;
  let clock: ManualClock;
  let service: PhoneNumbersService;
  const acct = account(AC);
  const other = account(AC2);

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
    await store.accounts.insert(acct);
    await store.accounts.insert(other);
    clock = new ManualClock(T0);
    service = phoneNumbersService({ store, clock, ids: sequentialIds() });
  });
  afterEach(async () => {
    await store.close();
  });

  const create = async (params: FormParams, owner = acct) => {
    const n = await service.create(owner, params);
    const json = toPhoneNumberJson(n);
    assertMatchesSpec('POST', LIST, 201, json, strict);
    return json;
  };

  it('buys an exact number with its webhook settings', async () => {
    const json = await create({
      PhoneNumber: '+14155552345',
      SmsUrl: 'https://example.com/sms',
      SmsMethod: 'get',
      VoiceUrl: 'https://example.com/voice',
      VoiceCallerIdLookup: 'True',
    });
    expect(json).toMatchObject({
      sid: 'PN' + '1'.padStart(32, '0'),
      account_sid: AC,
      phone_number: '+14155552345',
      friendly_name: '(415) 555-2345',
      sms_url: 'https://example.com/sms',
      sms_method: 'GET',
      voice_url: 'https://example.com/voice',
      voice_caller_id_lookup: true,
      date_created: 'Tue, 02 Jan 2024 03:04:05 +0000',
    });
    const fetched = toPhoneNumberJson(await service.fetch(acct, String(json.sid), item('x')));
    assertMatchesSpec('GET', item(String(json.sid)), 200, fetched, strict);
    expect(fetched).toEqual(json);
  });

  it('normalises a national number and keeps FriendlyName', async () => {
    const json = await create({ PhoneNumber: '(415) 555-2346', FriendlyName: 'Front desk' });
    expect(json).toMatchObject({ phone_number: '+14155552346', friendly_name: 'Front desk' });
  });

  it('buys a free number in an area code', async () => {
    const a = await create({ AreaCode: '415' });
    const b = await create({ AreaCode: '415' });
    expect(a.phone_number).toMatch(/^\+1415[2-9]\d{6}$/);
    expect(b.phone_number).toMatch(/^\+1415[2-9]\d{6}$/);
    expect(b.phone_number).not.toBe(a.phone_number);
    expect(a.friendly_name).toBe(
      `(415) ${String(a.phone_number).slice(5, 8)}-${String(a.phone_number).slice(8)}`,
    );
  });

  it('honours the magic purchase inputs', async () => {
    await expectError(service.create(acct, { AreaCode: '533' }), 400, 21452);
    expect((await create({ AreaCode: '500' })).phone_number).toMatch(/^\+1500\d{7}$/);
    await expectError(service.create(acct, { PhoneNumber: '+15005550000' }), 400, 21422);
    await expectError(service.create(acct, { PhoneNumber: '+15005550001' }), 400, 21421);
    expect((await create({ PhoneNumber: '+15005550006' })).phone_number).toBe('+15005550006');
  });

  it('rejects invalid requests with Twilio codes', async () => {
    await expectError(service.create(acct, {}), 400, 20001);
    await expectError(service.create(acct, { PhoneNumber: 'not-a-number' }), 400, 21421);
    await expectError(service.create(acct, { PhoneNumber: '+1123' }), 400, 21421);
    await expectError(service.create(acct, { PhoneNumber: 'whatsapp:+14155552345' }), 400, 21421);
    await expectError(service.create(acct, { AreaCode: '41' }), 400, 21451);
    await expectError(service.create(acct, { AreaCode: '115' }), 400, 21451);
    const base = { PhoneNumber: '+14155552345' };
    await expectError(service.create(acct, { ...base, SmsMethod: 'PUT' }), 400, 21403);
    await expectError(service.create(acct, { ...base, VoiceMethod: 'PUT' }), 400, 21403);
    await expectError(service.create(acct, { ...base, SmsUrl: 'ftp://x.example' }), 400, 21402);
    await expectError(service.create(acct, { ...base, StatusCallback: '/relative' }), 400, 21402);
    await expectError(service.create(acct, { ...base, SmsApplicationSid: 'AP1' }), 400, 20001);
    await expectError(service.create(acct, { ...base, EmergencyStatus: 'on' }), 400, 20001);
    await expectError(service.create(acct, { ...base, FriendlyName: 'x'.repeat(65) }), 400, 20001);
    // Nothing was stored by the failed attempts.
    expect(await store.phoneNumbers.findByNumber('+14155552345')).toBeUndefined();
  });

  it('refuses a number already owned by anyone (21422)', async () => {
    await create({ PhoneNumber: '+14155552345' });
    await expectError(service.create(acct, { PhoneNumber: '+14155552345' }), 400, 21422);
    await expectError(service.create(other, { PhoneNumber: '+14155552345' }), 400, 21422);
  });

  it('updates SmsUrl and SmsMethod and keeps the rest', async () => {
    const created = await create({
      PhoneNumber: '+14155552345',
      VoiceUrl: 'https://example.com/voice',
      FriendlyName: 'Main',
    });
    const sid = String(created.sid);
    clock.advance(60_000);
    const updated = toPhoneNumberJson(
      await service.update(acct, sid, item(sid), {
        SmsUrl: 'https://example.com/inbound',
        SmsMethod: 'GET',
        PhoneNumber: '+14155550000',
      }),
    );
    assertMatchesSpec('POST', item(sid), 200, updated, strict);
    expect(updated).toMatchObject({
      sms_url: 'https://example.com/inbound',
      sms_method: 'GET',
      voice_url: 'https://example.com/voice',
      friendly_name: 'Main',
      phone_number: '+14155552345',
      date_created: 'Tue, 02 Jan 2024 03:04:05 +0000',
      date_updated: 'Tue, 02 Jan 2024 03:05:05 +0000',
    });
    const fetched = toPhoneNumberJson(await service.fetch(acct, sid, item(sid)));
    expect(fetched).toEqual(updated);

    const cleared = toPhoneNumberJson(
      await service.update(acct, sid, item(sid), { SmsUrl: '', VoiceUrl: '', FriendlyName: '' }),
    );
    assertMatchesSpec('POST', item(sid), 200, cleared, strict);
    expect(cleared).toMatchObject({
      sms_url: '',
      voice_url: null,
      friendly_name: '(415) 555-2345',
    });
  });

  it('switches between TrunkSid and VoiceApplicationSid', async () => {
    const sid = String((await create({ PhoneNumber: '+14155552345' })).sid);
    const TK = 'TK' + 'a'.repeat(32);
    const AP = 'AP' + 'b'.repeat(32);
    // A VoiceApplicationSid must name one of the account's applications (22108 otherwise).
    const config = defaultApplicationConfig();
    await store.applications.insert({
      sid: AP,
      accountSid: AC,
      friendlyName: 'a',
      config,
      dateCreated: 0,
      dateUpdated: 0,
    });
    let json = toPhoneNumberJson(await service.update(acct, sid, item(sid), { TrunkSid: TK }));
    expect(json).toMatchObject({ trunk_sid: TK, voice_application_sid: '' });
    json = toPhoneNumberJson(
      await service.update(acct, sid, item(sid), { VoiceApplicationSid: AP }),
    );
    expect(json).toMatchObject({ trunk_sid: null, voice_application_sid: AP });
    assertMatchesSpec('POST', item(sid), 200, json, strict);
  });

  it('validates updates, refuses transfers and answers 404 for unknown numbers', async () => {
    const sid = String((await create({ PhoneNumber: '+14155552345' })).sid);
    await expectError(service.update(acct, sid, item(sid), { SmsMethod: 'DELETE' }), 400, 21403);
    await expectError(service.update(acct, sid, item(sid), { SmsUrl: 'nope' }), 400, 21402);
    await expectError(service.update(acct, sid, item(sid), { AccountSid: AC2 }), 400, 20001);
    const same = await service.update(acct, sid, item(sid), { AccountSid: AC });
    expect(same.accountSid).toBe(AC);
    const msg = await expectError(service.fetch(acct, PN, item(PN)), 404, 20404);
    expect(msg).toBe(`The requested resource ${item(PN)} was not found`);
    await expectError(service.update(acct, PN, item(PN), { SmsUrl: '' }), 404, 20404);
    // Another account cannot see it.
    await expectError(service.fetch(other, sid, item(sid)), 404, 20404);
  });

  it('deletes a number (204 semantics) and then 404s', async () => {
    const sid = String((await create({ PhoneNumber: '+14155552345' })).sid);
    await service.remove(acct, sid, item(sid));
    await expectError(service.fetch(acct, sid, item(sid)), 404, 20404);
    await expectError(service.remove(acct, sid, item(sid)), 404, 20404);
    // The number is free again.
    await create({ PhoneNumber: '+14155552345' }, other);
  });

  it('lists oldest first with partial PhoneNumber, FriendlyName and paging', async () => {
    for (const [i, phone] of ['+14155552345', '+12125550100', '+14155559876'].entries()) {
      clock.set(T0 + i * 1000);
      await create({ PhoneNumber: phone, FriendlyName: i === 2 ? 'Sales' : '' });
    }
    await create({ PhoneNumber: '+14155551111' }, other);

    const all = await service.list(acct, LIST, {});
    assertMatchesSpec('GET', LIST, 200, all, strict);
    const numbers = (page: Record<string, unknown>) =>
      (page.incoming_phone_numbers as { phone_number: string }[]).map((n) => n.phone_number);
    expect(numbers(all)).toEqual(['+14155552345', '+12125550100', '+14155559876']);

    const partial = await service.list(acct, LIST, { PhoneNumber: '415', Beta: 'true' });
    assertMatchesSpec('GET', LIST, 200, partial, strict);
    expect(numbers(partial)).toEqual(['+14155552345', '+14155559876']);
    expect(partial.uri).toBe(`${LIST}?Beta=true&PhoneNumber=415&PageSize=50&Page=0`);

    expect(numbers(await service.list(acct, LIST, { PhoneNumber: '555' }))).toHaveLength(3);
    expect(numbers(await service.list(acct, LIST, { PhoneNumber: '+1415555****' }))).toEqual([
      '+14155552345',
      '+14155559876',
    ]);
    expect(numbers(await service.list(acct, LIST, { PhoneNumber: '+12125550100' }))).toEqual([
      '+12125550100',
    ]);
    expect(numbers(await service.list(acct, LIST, { PhoneNumber: 'abc' }))).toEqual([]);
    expect(numbers(await service.list(acct, LIST, { FriendlyName: 'Sales' }))).toEqual([
      '+14155559876',
    ]);
    expect(numbers(await service.list(acct, LIST, { Origin: 'hosted' }))).toEqual([]);
    expect(numbers(await service.list(acct, LIST, { Origin: 'twilio' }))).toHaveLength(3);
    await expectError(service.list(acct, LIST, { Beta: 'maybe' }), 400, 20001);

    const first = await service.list(acct, LIST, { PageSize: '2', PhoneNumber: '+1' });
    assertMatchesSpec('GET', LIST, 200, first, strict);
    expect(numbers(first)).toHaveLength(2);
    expect(first.next_page_uri).toMatch(
      /^\/2010-04-01\/.*PhoneNumber=%2B1&PageSize=2&Page=1&PageToken=PA/,
    );
    const token = new URL(`http://x${String(first.next_page_uri)}`).searchParams.get('PageToken');
    const second = await service.list(acct, LIST, {
      PageSize: '2',
      Page: '1',
      PageToken: token ?? '',
      PhoneNumber: '+1',
    });
    assertMatchesSpec('GET', LIST, 200, second, strict);
    expect(numbers(second)).toEqual(['+14155559876']);
    expect(second.next_page_uri).toBeNull();
  });
});
