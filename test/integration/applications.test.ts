import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertMatchesSpec, assertTwilioError } from '../support/openapi.js';
import { MAIN_SID, ManualClock, startTestServer, type TestServer } from '../support/server.js';

// Applications (2010-04-01). Every JSON body t.http and the SDK see is validated against the
// spec schema `api.v2010.account.application` with every property required.
let t: TestServer;
const clock = new ManualClock(Date.UTC(2024, 6, 1, 9, 30, 0));
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

beforeAll(async () => {
  t = await startTestServer({ clock });
});
afterAll(() => t.close());

const ALL_PARAMS = {
  FriendlyName: 'Application Friendly Name',
  ApiVersion: '2008-08-01',
  VoiceUrl: 'http://example.com/voice',
  VoiceMethod: 'GET',
  VoiceFallbackUrl: 'http://www.example.com/voice-callback',
  VoiceFallbackMethod: 'get',
  StatusCallback: 'http://example.com/status',
  StatusCallbackMethod: 'GET',
  VoiceCallerIdLookup: 'true',
  SmsUrl: 'http://example.com/sms',
  SmsMethod: 'GET',
  SmsFallbackUrl: 'http://www.example.com/sms-fallback',
  SmsFallbackMethod: 'GET',
  SmsStatusCallback: 'http://www.example.com/sms-status-callback',
  MessageStatusCallback: 'http://www.example.com/message-status',
  PublicApplicationConnectEnabled: 'true',
};

describe('Application resource', () => {
  it('creates with every parameter and returns every spec property (201)', async () => {
    const r = await t.http('POST', `${base}/Applications.json`, ALL_PARAMS);
    expect(r.status).toBe(201);
    expect(r.json).toEqual({
      account_sid: MAIN_SID,
      api_version: '2008-08-01',
      date_created: 'Mon, 01 Jul 2024 09:30:00 +0000',
      date_updated: 'Mon, 01 Jul 2024 09:30:00 +0000',
      friendly_name: 'Application Friendly Name',
      message_status_callback: 'http://www.example.com/message-status',
      sid: r.json.sid,
      sms_fallback_method: 'GET',
      sms_fallback_url: 'http://www.example.com/sms-fallback',
      sms_method: 'GET',
      sms_status_callback: 'http://www.example.com/sms-status-callback',
      sms_url: 'http://example.com/sms',
      status_callback: 'http://example.com/status',
      status_callback_method: 'GET',
      uri: `${base}/Applications/${r.json.sid}.json`,
      voice_caller_id_lookup: true,
      voice_fallback_method: 'GET',
      voice_fallback_url: 'http://www.example.com/voice-callback',
      voice_method: 'GET',
      voice_url: 'http://example.com/voice',
      public_application_connect_enabled: true,
    });
    expect(r.json.sid).toMatch(/^AP[0-9a-f]{32}$/);
    const stored = await t.server.store.applications.get(MAIN_SID, r.json.sid);
    expect(stored?.config.messageStatusCallback).toBe('http://www.example.com/message-status');
  });

  it('defaults like Twilio’s examples: null URLs, POST methods', async () => {
    const r = await t.http('POST', `${base}/Applications.json`, {});
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({
      api_version: '2010-04-01',
      friendly_name: '',
      sms_url: null,
      sms_method: 'POST',
      sms_fallback_url: null,
      sms_fallback_method: 'POST',
      message_status_callback: null,
      sms_status_callback: null,
      voice_url: null,
      voice_caller_id_lookup: false,
      public_application_connect_enabled: false,
    });
    assertMatchesSpec('POST', `${base}/Applications.json`, 201, r.json, {
      requireAllProperties: true,
    });
  });

  it('creates, fetches, updates, lists and deletes through the SDK', async () => {
    const created = await t.client.applications.create({
      friendlyName: 'sdk app',
      smsUrl: 'https://example.com/in',
      messageStatusCallback: 'https://example.com/status',
    });
    expect(created.smsUrl).toBe('https://example.com/in');
    const fetched = await t.client.applications(created.sid).fetch();
    expect(fetched.messageStatusCallback).toBe('https://example.com/status');
    clock.advance(5000);
    const updated = await t.client
      .applications(created.sid)
      .update({ smsMethod: 'GET', smsUrl: '', friendlyName: 'renamed' });
    expect(updated).toMatchObject({ smsMethod: 'GET', smsUrl: null, friendlyName: 'renamed' });
    expect(updated.messageStatusCallback).toBe('https://example.com/status');
    expect(updated.dateUpdated.getTime() - updated.dateCreated.getTime()).toBe(5000);

    const named = await t.client.applications.list({ friendlyName: 'renamed' });
    expect(named.map((a) => a.sid)).toEqual([created.sid]);

    expect(await t.client.applications(created.sid).remove()).toBe(true);
    await expect(t.client.applications(created.sid).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
    const gone = await t.http('DELETE', `${base}/Applications/${created.sid}.json`);
    expect(gone.status).toBe(404);
  });

  it('pages with FriendlyName in the page URIs', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(1000);
      sids.push((await t.client.applications.create({ friendlyName: 'paged' })).sid);
    }
    const first = await t.http('GET', `${base}/Applications.json?FriendlyName=paged&PageSize=2`);
    expect(Object.keys(first.json).filter((k) => Array.isArray(first.json[k]))).toEqual([
      'applications',
    ]);
    expect(first.json.first_page_uri).toBe(
      `${base}/Applications.json?FriendlyName=paged&PageSize=2&Page=0`,
    );
    expect(first.json.next_page_uri).toMatch(
      /Applications\.json\?FriendlyName=paged&PageSize=2&Page=1&PageToken=PA/,
    );
    const all = await t.client.applications.list({ friendlyName: 'paged', pageSize: 2 });
    expect(all.map((a) => a.sid)).toEqual(sids);
  });

  it('validates URLs (21402), methods (21403), booleans and ApiVersion (20001)', async () => {
    const cases: [Record<string, string>, number][] = [
      [{ SmsUrl: 'ftp://example.com' }, 21402],
      [{ MessageStatusCallback: 'nope' }, 21402],
      [{ SmsMethod: 'PUT' }, 21403],
      [{ VoiceCallerIdLookup: 'yes' }, 20001],
      [{ ApiVersion: '2020-01-01' }, 20001],
      [{ FriendlyName: 'x'.repeat(65) }, 20001],
    ];
    for (const [form, code] of cases) {
      const r = await t.http('POST', `${base}/Applications.json`, form);
      expect(r.status, JSON.stringify(form)).toBe(400);
      assertTwilioError(r.json, 400, code);
    }
  });

  it('keeps applications inside their account', async () => {
    const subAccount = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: 's' });
    const subSid = subAccount.json.sid as string;
    const theirs = await t.http('POST', `/2010-04-01/Accounts/${subSid}/Applications.json`, {
      FriendlyName: 'sub app',
    });
    expect(theirs.status).toBe(201);
    expect(theirs.json.account_sid).toBe(subSid);
    const viaMain = await t.http('GET', `${base}/Applications/${theirs.json.sid}.json`);
    expect(viaMain.status).toBe(404);
    const mainList = await t.http('GET', `${base}/Applications.json?FriendlyName=sub%20app`);
    expect(mainList.json.applications).toEqual([]);
  });
});
