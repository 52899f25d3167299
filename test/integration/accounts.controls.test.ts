import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import { basic, MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

type Sub = { sid: string; token: string; auth: string };
let n = 0;

async function subaccount(): Promise<Sub> {
  const r = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: `sub ${++n}` });
  expect(r.status).toBe(201);
  return { sid: r.json.sid, token: r.json.auth_token, auth: basic(r.json.sid, r.json.auth_token) };
}
const acct = (sid: string) => `/2010-04-01/Accounts/${sid}`;
const setStatus = (sid: string, status: string, auth?: string) =>
  t.http('POST', `${acct(sid)}.json`, { Status: status }, auth);
async function buy(sid: string, auth?: string): Promise<{ sid: string; phone_number: string }> {
  const r = await t.http(
    'POST',
    `${acct(sid)}/IncomingPhoneNumbers.json`,
    { AreaCode: '415' },
    auth,
  );
  expect(r.status).toBe(201);
  return r.json;
}
const send = (sid: string, from: string, auth?: string) =>
  t.http(
    'POST',
    `${acct(sid)}/Messages.json`,
    { From: from, To: '+14155550100', Body: 'hi' },
    auth,
  );
function expectError(r: { status: number; json: any }, status: number, code: number) {
  expect([r.status, r.json?.code]).toEqual([status, code]);
  assertTwilioError(r.json, status, code);
}

describe('account controls', () => {
  it('the main account cannot close or suspend itself (21477), and keeps working', async () => {
    for (const status of ['closed', 'suspended', 'active']) {
      expectError(await setStatus(MAIN_SID, status), 400, 21477);
    }
    const me = await t.http('GET', `${acct(MAIN_SID)}.json`);
    expect([me.status, me.json.status]).toEqual([200, 'active']);
  });

  it('only the main account creates subaccounts: a subaccount gets 21101', async () => {
    const a = await subaccount();
    const r = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'nested' }, a.auth);
    expectError(r, 400, 21101);
    const listed = await t.http('GET', '/2010-04-01/Accounts.json', undefined, a.auth);
    expect(listed.json.accounts.map((x: { sid: string }) => x.sid)).toEqual([a.sid]);
  });

  it('a suspended subaccount neither sends nor buys (20005), by token or key, and cannot reactivate itself', async () => {
    const a = await subaccount();
    const number = await buy(a.sid, a.auth);
    const keyRes = await t.http('POST', `${acct(a.sid)}/Keys.json`, {}, a.auth);
    const key = basic(keyRes.json.sid, keyRes.json.secret);
    expect((await setStatus(a.sid, 'suspended')).json.status).toBe('suspended');

    for (const auth of [a.auth, key, undefined /* the parent, on A's path */]) {
      expectError(await send(a.sid, number.phone_number, auth), 401, 20005);
      const bought = await t.http(
        'POST',
        `${acct(a.sid)}/IncomingPhoneNumbers.json`,
        { AreaCode: '415' },
        auth,
      );
      expectError(bought, 401, 20005);
    }
    // Reading stays possible.
    expect((await t.http('GET', `${acct(a.sid)}/Messages.json`, undefined, a.auth)).status).toBe(
      200,
    );
    // Only the parent changes a subaccount's status.
    expectError(await setStatus(a.sid, 'active', a.auth), 403, 20403);
    expectError(await setStatus(a.sid, 'closed', a.auth), 403, 20403);
    expect((await setStatus(a.sid, 'active')).json.status).toBe('active');
    expect((await send(a.sid, number.phone_number, a.auth)).status).toBe(201);
  });

  it('closing is final (21479) and releases the subaccount’s numbers', async () => {
    const a = await subaccount();
    const number = await buy(a.sid, a.auth);
    expect((await setStatus(a.sid, 'closed')).json.status).toBe('closed');
    expectError(await send(a.sid, number.phone_number, a.auth), 401, 20003);
    for (const status of ['active', 'suspended']) {
      expectError(await setStatus(a.sid, status), 400, 21479);
    }
    expect((await setStatus(a.sid, 'closed')).status).toBe(200);
    // The number went back to the pool: another account can buy it.
    const b = await subaccount();
    const again = await t.http(
      'POST',
      `${acct(b.sid)}/IncomingPhoneNumbers.json`,
      { PhoneNumber: number.phone_number },
      b.auth,
    );
    expect(again.status).toBe(201);
  });

  it('an AuthToken parameter changes no token (Twilio’s update takes FriendlyName and Status only)', async () => {
    const a = await subaccount();
    const r = await t.http('POST', `${acct(a.sid)}.json`, { AuthToken: 'e7'.repeat(16) });
    expect([r.status, r.json.auth_token]).toEqual([200, a.token]);
    expect((await t.http('GET', `${acct(a.sid)}.json`, undefined, a.auth)).status).toBe(200);
    const other = basic(a.sid, 'e7'.repeat(16));
    expectError(await t.http('GET', `${acct(a.sid)}.json`, undefined, other), 401, 20003);
  });

  it('an invalid Status is 21475', async () => {
    const a = await subaccount();
    expectError(await setStatus(a.sid, 'paused'), 400, 21475);
  });

  it('subaccounts nested before 21101 follow their parent: suspended, then closed', async () => {
    const a = await subaccount();
    // Such a subaccount can no longer be made through the API: insert it as an old store holds it.
    const now = Date.now();
    const nested = {
      sid: 'AC' + 'c3'.repeat(16),
      ownerAccountSid: a.sid,
      friendlyName: 'nested',
      authToken: 'd4'.repeat(16),
      status: 'active' as const,
      type: 'Full' as const,
      dateCreated: now,
      dateUpdated: now,
    };
    await t.server.store.accounts.insert(nested);
    const c = basic(nested.sid, nested.authToken);
    const number = await buy(nested.sid, c);
    expect((await send(nested.sid, number.phone_number, c)).status).toBe(201);

    await setStatus(a.sid, 'suspended');
    expectError(await send(nested.sid, number.phone_number, c), 401, 20005);
    await setStatus(a.sid, 'active');
    expect((await send(nested.sid, number.phone_number, c)).status).toBe(201);
    await setStatus(a.sid, 'closed');
    expectError(await send(nested.sid, number.phone_number, c), 401, 20003);
    expectError(await t.http('GET', `${acct(nested.sid)}.json`, undefined, c), 401, 20003);
  });
});

describe('SIDs in parameters belong to the account', () => {
  it('a number’s SmsApplicationSid / VoiceApplicationSid: another account’s is 21420 on purchase, 22108 on update', async () => {
    const a = await subaccount();
    const b = await subaccount();
    const appOf = async (s: Sub) =>
      (await t.http('POST', `${acct(s.sid)}/Applications.json`, { FriendlyName: 'x' }, s.auth)).json
        .sid as string;
    const mine = await appOf(a);
    const theirs = await appOf(b);
    const mainApp = (await t.http('POST', `${acct(MAIN_SID)}/Applications.json`, {})).json
      .sid as string;
    const number = await buy(a.sid, a.auth);
    const path = `${acct(a.sid)}/IncomingPhoneNumbers/${number.sid}.json`;
    for (const field of ['SmsApplicationSid', 'VoiceApplicationSid']) {
      for (const other of [theirs, mainApp, 'AP' + '9'.repeat(32)]) {
        expectError(await t.http('POST', path, { [field]: other }, a.auth), 400, 22108);
        const created = await t.http(
          'POST',
          `${acct(a.sid)}/IncomingPhoneNumbers.json`,
          { AreaCode: '415', [field]: other },
          a.auth,
        );
        expectError(created, 400, 21420);
      }
      const own = await t.http('POST', path, { [field]: mine }, a.auth);
      expect(own.status).toBe(200);
    }
    const stored = await t.http('GET', path, undefined, a.auth);
    expect(stored.json.sms_application_sid).toBe(mine);
    // The parent, acting on A's path, is held to A's applications too.
    expectError(await t.http('POST', path, { SmsApplicationSid: mainApp }), 400, 22108);
  });

  it('another account’s MessagingServiceSid (21701), ApplicationSid (21218), pool PhoneNumberSid (21421), key (404)', async () => {
    const a = await subaccount();
    const b = await subaccount();
    const own = await buy(a.sid, a.auth);
    const bNumber = await buy(b.sid, b.auth);
    const bService = (await t.http('POST', '/v1/Services', { FriendlyName: 'b' }, b.auth)).json.sid;
    const bApp = (await t.http('POST', `${acct(b.sid)}/Applications.json`, {}, b.auth)).json.sid;
    const bKey = (await t.http('POST', `${acct(b.sid)}/Keys.json`, {}, b.auth)).json.sid;
    const aService = (await t.http('POST', '/v1/Services', { FriendlyName: 'a' }, a.auth)).json.sid;
    const create = (form: Record<string, string>, auth?: string) =>
      t.http(
        'POST',
        `${acct(a.sid)}/Messages.json`,
        { To: '+14155550100', Body: 'x', ...form },
        auth,
      );
    // By A itself, and by the parent acting on A's path.
    for (const auth of [a.auth, undefined]) {
      expectError(await create({ MessagingServiceSid: bService }, auth), 400, 21701);
      expectError(await create({ From: own.phone_number, ApplicationSid: bApp }, auth), 400, 21218);
      expectError(
        await t.http('GET', `${acct(a.sid)}/Keys/${bKey}.json`, undefined, auth),
        404,
        20404,
      );
    }
    const pooled = await t.http(
      'POST',
      `/v1/Services/${aService}/PhoneNumbers`,
      { PhoneNumberSid: bNumber.sid },
      a.auth,
    );
    expectError(pooled, 400, 21421);
  });
});
