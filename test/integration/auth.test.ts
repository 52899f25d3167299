import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  sdkClient,
  startTestServer,
  type TestServer,
} from '../support/server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const messagesOf = (sid: string) => `/2010-04-01/Accounts/${sid}/Messages.json`;

describe('HTTP Basic authentication', () => {
  it('no credentials: 401/20003 with detail', async () => {
    const r = await t.http('GET', messagesOf(MAIN_SID), undefined, null);
    expect(r.status).toBe(401);
    assertTwilioError(r.json, 401, 20003);
    expect(r.json.detail).toBe('Your AccountSid or AuthToken was incorrect.');
  });
  it('a wrong token: 401', async () => {
    const r = await t.http('GET', messagesOf(MAIN_SID), undefined, basic(MAIN_SID, 'x'.repeat(32)));
    expect(r.status).toBe(401);
  });
  it('an unknown account: 401 (existence is not revealed)', async () => {
    const other = 'AC' + 'f'.repeat(32);
    const r = await t.http('GET', messagesOf(other), undefined, basic(other, MAIN_TOKEN));
    expect(r.status).toBe(401);
  });
  it('a garbled Authorization header: 401, never 500', async () => {
    for (const h of [
      'Basic',
      'Basic !!!',
      'Bearer abc',
      'Basic ' + Buffer.from('nocolon').toString('base64'),
    ]) {
      const r = await t.http('GET', messagesOf(MAIN_SID), undefined, h);
      expect(r.status).toBe(401);
    }
  });
});

describe('subaccounts', () => {
  it('a parent creates and acts on subaccounts; a subaccount never on its parent or siblings', async () => {
    const a = await t.client.api.v2010.accounts.create({ friendlyName: 'sub A' });
    const b = await t.client.api.v2010.accounts.create({ friendlyName: 'sub B' });
    expect(a.ownerAccountSid).toBe(MAIN_SID);
    expect(a.authToken).toMatch(/^[0-9a-f]{32}$/);
    expect(a.status).toBe('active');

    // Parent acts on a subaccount.
    const parentOnA = await t.http('GET', messagesOf(a.sid));
    expect(parentOnA.status).toBe(200);
    // Subaccount on itself.
    const own = await t.http('GET', messagesOf(a.sid), undefined, basic(a.sid, a.authToken));
    expect(own.status).toBe(200);
    // Subaccount on parent and sibling.
    for (const target of [MAIN_SID, b.sid]) {
      const r = await t.http('GET', messagesOf(target), undefined, basic(a.sid, a.authToken));
      expect(r.status).toBe(401);
      assertTwilioError(r.json, 401, 20003);
    }
    // Listing accounts: the parent sees itself and both subaccounts; a subaccount only itself.
    const all = await t.client.api.v2010.accounts.list();
    expect(all.map((x) => x.sid)).toEqual(expect.arrayContaining([MAIN_SID, a.sid, b.sid]));
    const subView = await sdkClient(t.url, a.sid, a.authToken).api.v2010.accounts.list();
    expect(subView.map((x) => x.sid)).toEqual([a.sid]);
  });

  it('updates and closes a subaccount; a closed account cannot authenticate', async () => {
    const a = await t.client.api.v2010.accounts.create({ friendlyName: 'to close' });
    const renamed = await t.client.api.v2010.accounts(a.sid).update({ friendlyName: 'renamed' });
    expect(renamed.friendlyName).toBe('renamed');
    const closed = await t.client.api.v2010.accounts(a.sid).update({ status: 'closed' });
    expect(closed.status).toBe('closed');
    const r = await t.http('GET', messagesOf(a.sid), undefined, basic(a.sid, a.authToken));
    expect(r.status).toBe(401);
  });

  it('a subaccount’s messages are invisible to siblings even by SID', async () => {
    const a = await t.client.api.v2010.accounts.create({ friendlyName: 'owner' });
    const clientA = sdkClient(t.url, a.sid, a.authToken);
    const n = await clientA.incomingPhoneNumbers.create({ phoneNumber: '+14155552999' });
    const m = await clientA.messages.create({
      from: n.phoneNumber,
      to: '+14155550100',
      body: 'mine',
    });
    const viaMain = await t.http('GET', `/2010-04-01/Accounts/${MAIN_SID}/Messages/${m.sid}.json`);
    expect(viaMain.status).toBe(404);
    const viaParentPath = await t.http(
      'GET',
      `/2010-04-01/Accounts/${a.sid}/Messages/${m.sid}.json`,
    );
    expect(viaParentPath.status).toBe(200);
  });
});

describe('API keys', () => {
  it('creates a key (secret shown once), authenticates with it, deletes it', async () => {
    const key = await t.client.newKeys.create({ friendlyName: 'ci' });
    expect(key.sid).toMatch(/^SK[0-9a-f]{32}$/);
    expect(key.secret).toMatch(/^[0-9a-f]{32}$/);
    const fetched = await t.http('GET', `/2010-04-01/Accounts/${MAIN_SID}/Keys/${key.sid}.json`);
    expect(fetched.json).not.toHaveProperty('secret');
    const listed = await t.client.keys.list();
    expect(listed.map((k) => k.sid)).toContain(key.sid);
    expect(JSON.stringify(listed)).not.toContain(key.secret);
    // The secret is not stored in clear.
    const stored = await t.server.store.apiKeys.get(key.sid);
    expect(stored?.secretHash).not.toContain(key.secret);

    const viaKey = sdkClient(t.url, key.sid, key.secret, MAIN_SID);
    const list = await viaKey.messages.list({ limit: 1 });
    expect(Array.isArray(list)).toBe(true);
    // A wrong secret fails.
    const bad = await t.http(
      'GET',
      messagesOf(MAIN_SID),
      undefined,
      basic(key.sid, 'f'.repeat(32)),
    );
    expect(bad.status).toBe(401);
    // Standard keys cannot manage keys or accounts.
    const manage = await t.http(
      'GET',
      `/2010-04-01/Accounts/${MAIN_SID}/Keys.json`,
      undefined,
      basic(key.sid, key.secret),
    );
    expect(manage.status).toBe(401);

    const renamed = await t.client.keys(key.sid).update({ friendlyName: 'renamed' });
    expect(renamed.friendlyName).toBe('renamed');
    expect(await t.client.keys(key.sid).remove()).toBe(true);
    const after = await t.http('GET', messagesOf(MAIN_SID), undefined, basic(key.sid, key.secret));
    expect(after.status).toBe(401);
  });

  it('a parent’s key reaches its subaccounts; a subaccount’s key not its parent', async () => {
    const key = await t.client.newKeys.create({ friendlyName: 'parent key' });
    const sub = await t.client.api.v2010.accounts.create({ friendlyName: 'sub' });
    const r = await t.http('GET', messagesOf(sub.sid), undefined, basic(key.sid, key.secret));
    expect(r.status).toBe(200);
    const subKey = await sdkClient(t.url, sub.sid, sub.authToken).newKeys.create({
      friendlyName: 's',
    });
    const r2 = await t.http(
      'GET',
      messagesOf(MAIN_SID),
      undefined,
      basic(subKey.sid, subKey.secret),
    );
    expect(r2.status).toBe(401);
  });
});
