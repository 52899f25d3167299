import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  sdkClient,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// /sim behind the API's credentials: who may text which numbers, read which conversations,
// and change which rules and settings; SIM=off and the start-up warning.
let t: TestServer;
const MAIN = basic(MAIN_SID, MAIN_TOKEN);
const NM = '+14155550101'; // the main account's number
const NA = '+14155550102'; // subaccount A's
const NB = '+14155550103'; // subaccount B's (A's sibling)
const NX = '+14155550109'; // nobody's
const HANDSET = '+14155559999';
let A: { sid: string; auth: string; key: string };
let B: { sid: string; auth: string };
let mainKey: string;

beforeAll(async () => {
  t = await startTestServer();
  await t.client.incomingPhoneNumbers.create({ phoneNumber: NM });
  const sub = async (name: string, number: string) => {
    const a = await t.client.api.v2010.accounts.create({ friendlyName: name });
    await sdkClient(t.url, a.sid, a.authToken).incomingPhoneNumbers.create({ phoneNumber: number });
    return { sid: a.sid, auth: basic(a.sid, a.authToken), token: a.authToken };
  };
  const a = await sub('A', NA);
  const aKey = await sdkClient(t.url, a.sid, a.token).newKeys.create({ friendlyName: 'A key' });
  A = { sid: a.sid, auth: a.auth, key: basic(aKey.sid, aKey.secret) };
  B = await sub('B', NB);
  const k = await t.client.newKeys.create({ friendlyName: 'main key' });
  mainKey = basic(k.sid, k.secret);
});
afterAll(() => t.close());

/** A JSON request to /sim; `auth` null sends no credentials. */
async function sim(method: string, path: string, auth: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (auth !== null) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, json: text === '' ? undefined : JSON.parse(text) };
}

const text = (from: string, to: string, auth: string | null, body = 'hello') =>
  sim('POST', `/sim/handsets/${encodeURIComponent(from)}/messages`, auth, { to, body });
const read = async (handset: string, auth: string) =>
  (await sim('GET', `/sim/handsets/${encodeURIComponent(handset)}/messages`, auth)).json as {
    messages: { account_sid: string; to: string; from: string; body: string }[];
  };

/** The answer for a number nobody owns, which another account's number must equal. */
const unknownNumber = (n: string) => ({
  code: 20404,
  message: `The number ${n} is not a phone number of any account here`,
  more_info: 'https://www.twilio.com/docs/errors/20404',
  status: 404,
});

const expectError = (r: { status: number; json: any }, status: number, code: number) => {
  expect(r.status).toBe(status);
  expect(r.json).toMatchObject({ status, code });
};

describe('/sim needs the API credentials', () => {
  const routes: [string, string, unknown?][] = [
    ['POST', `/sim/handsets/${encodeURIComponent(HANDSET)}/messages`, { to: NM, body: 'x' }],
    ['GET', `/sim/handsets/${encodeURIComponent(HANDSET)}/messages`],
    ['GET', '/sim/rules'],
    ['POST', '/sim/rules', { match: '*', outcome: 'failed' }],
    ['PUT', '/sim/chaos', { mix: [] }],
    ['PATCH', '/sim/settings', { deliveryDelayMs: 5 }],
  ];

  it('no credentials: 401 / 20003 on every route, before the body is looked at', async () => {
    for (const [method, path, body] of routes) {
      expectError(await sim(method, path, null, body), 401, 20003);
    }
  });

  it('a wrong auth token or key secret: 401 / 20003', async () => {
    for (const [method, path, body] of routes) {
      expectError(await sim(method, path, basic(MAIN_SID, 'f'.repeat(32)), body), 401, 20003);
      expectError(await sim(method, path, basic(A.sid, 'f'.repeat(32)), body), 401, 20003);
    }
    // Nothing was injected, nothing changed.
    expect((await read(HANDSET, MAIN)).messages).toEqual([]);
    expect((await sim('GET', '/sim/rules', MAIN)).json).toEqual({ rules: [] });
    expect((await sim('GET', '/sim/settings', MAIN)).json.deliveryDelayMs).toBe(0);
  });
});

describe('handsets text only the caller’s numbers and show only its messages', () => {
  it('the main account texts its own and its subaccounts’ numbers', async () => {
    const own = await text(HANDSET, NM, MAIN);
    expect(own.status).toBe(201);
    expect(own.json.account_sid).toBe(MAIN_SID);
    const sub = await text(HANDSET, NA, MAIN);
    expect(sub.status).toBe(201);
    expect(sub.json.account_sid).toBe(A.sid);
  });

  it('a subaccount texts its own; its parent’s or a sibling’s number answers like an unknown one', async () => {
    expect((await text(HANDSET, NA, A.auth)).status).toBe(201);
    const unknown = await text(HANDSET, NX, A.auth);
    expect(unknown).toEqual({ status: 404, json: unknownNumber(NX) });
    expect(await text(HANDSET, NM, A.auth)).toEqual({ status: 404, json: unknownNumber(NM) });
    expect(await text(HANDSET, NB, A.auth)).toEqual({ status: 404, json: unknownNumber(NB) });
  });

  it('an API key acts as its account', async () => {
    const r = await text(HANDSET, NA, A.key);
    expect(r.status).toBe(201);
    expect(r.json.account_sid).toBe(A.sid);
    expect(await text(HANDSET, NB, A.key)).toEqual({ status: 404, json: unknownNumber(NB) });
  });

  it('reading a conversation shows only the account’s (and a parent’s subaccounts’) messages', async () => {
    const other = '+14155558888';
    await text(other, NA, A.auth, 'to A');
    await text(other, NB, B.auth, 'to B');
    await t.client.messages.create({ from: NM, to: other, body: 'Your code is 482913' });
    await t.runDue();
    const ofA = (await read(other, A.auth)).messages;
    expect(ofA.map((m) => [m.account_sid, m.body])).toEqual([[A.sid, 'to A']]);
    expect((await read(other, A.key)).messages).toEqual(ofA);
    const ofB = (await read(other, B.auth)).messages;
    expect(ofB.map((m) => [m.account_sid, m.body])).toEqual([[B.sid, 'to B']]);
    const ofMain = (await read(other, MAIN)).messages;
    expect(ofMain.map((m) => m.body).sort()).toEqual(['Your code is 482913', 'to A', 'to B']);
  });
});

describe('rules and settings', () => {
  it('a non-main account (or the main account’s API key) cannot touch chaos, settings or network-wide rules: 403 / 20403', async () => {
    for (const auth of [A.auth, A.key, B.auth, mainKey]) {
      expectError(await sim('GET', '/sim/chaos', auth), 403, 20403);
      expectError(await sim('PUT', '/sim/chaos', auth, { mix: [] }), 403, 20403);
      expectError(await sim('DELETE', '/sim/chaos', auth), 403, 20403);
      expectError(await sim('GET', '/sim/settings', auth), 403, 20403);
      expectError(await sim('PATCH', '/sim/settings', auth, { seed: 'x' }), 403, 20403);
      const wide = { accountSid: null, match: '*', outcome: 'failed' };
      expectError(await sim('POST', '/sim/rules', auth, wide), 403, 20403);
      expectError(await sim('PUT', '/sim/rules', auth, [wide]), 403, 20403);
    }
    expect((await sim('GET', '/sim/rules', MAIN)).json).toEqual({ rules: [] });
    expect((await sim('GET', '/sim/chaos', MAIN)).json).toEqual({ chaos: null });
    expect((await sim('PATCH', '/sim/settings', MAIN, { seed: 's' })).status).toBe(200);
  });

  it('a subaccount’s rule applies to its own messages only, and only it (or its parent) sees it', async () => {
    const R = '+14155551230';
    const created = await sim('POST', '/sim/rules', A.auth, {
      id: 'mine',
      match: R,
      outcome: 'undelivered:30005',
    });
    expect(created.status).toBe(201);
    expect(created.json).toEqual({
      id: 'mine',
      accountSid: A.sid,
      match: R,
      outcome: { status: 'undelivered', errorCode: 30005 },
    });
    // Another account's SID is not A's to name (401 as on the API's paths).
    const foreign = await sim('POST', '/sim/rules', A.auth, { accountSid: B.sid, match: R });
    expectError(foreign, 401, 20003);

    // The parent sends for each account (a parent may act on its subaccounts).
    const send = (account: string, from: string) =>
      sdkClient(t.url, MAIN_SID, MAIN_TOKEN, account).messages.create({ from, to: R, body: 'r' });
    const a = await send(A.sid, NA);
    const m = await send(MAIN_SID, NM);
    const b = await send(B.sid, NB);
    await t.runDue();
    const status = async (sid: string, account: string) => {
      const f = await sdkClient(t.url, MAIN_SID, MAIN_TOKEN, account).messages(sid).fetch();
      return `${f.status}:${f.errorCode ?? ''}`;
    };
    expect(await status(a.sid, A.sid)).toBe('undelivered:30005');
    expect(await status(m.sid, MAIN_SID)).toBe('delivered:');
    expect(await status(b.sid, B.sid)).toBe('delivered:');

    const ids = async (auth: string) =>
      ((await sim('GET', '/sim/rules', auth)).json.rules as { id: string }[]).map((r) => r.id);
    expect(await ids(A.auth)).toEqual(['mine']);
    expect(await ids(MAIN)).toEqual(['mine']);
    expect(await ids(B.auth)).toEqual([]);
    // B can neither remove nor replace it.
    expectError(await sim('DELETE', '/sim/rules/mine', B.auth), 404, 20404);
    expect((await sim('DELETE', '/sim/rules', B.auth)).status).toBe(204);
    expect(await ids(A.auth)).toEqual(['mine']);
    expect((await sim('DELETE', '/sim/rules/mine', A.auth)).status).toBe(204);
    expect(await ids(MAIN)).toEqual([]);
  });
});

describe('SIM=off', () => {
  let off: TestServer;
  const lines: string[] = [];
  beforeAll(async () => {
    off = await startTestServer({
      env: { SIM: 'off' },
      argv: ['--host', '0.0.0.0'],
      logger: { level: 'warn', stream: { write: (l: string) => lines.push(l) } },
    });
  });
  afterAll(() => off.close());

  it('/sim is gone (404 as any unknown route) and messages fail at dispatch with 30008', async () => {
    for (const path of ['/sim/rules', '/sim/settings', `/sim/handsets/${HANDSET}/messages`]) {
      const r = await fetch(`${off.url}${path}`, { headers: { authorization: MAIN } });
      expect(r.status).toBe(404);
      expect(await r.json()).toMatchObject({ code: 20404, status: 404 });
    }
    await off.client.incomingPhoneNumbers.create({ phoneNumber: NM });
    const m = await off.client.messages.create({ from: NM, to: HANDSET, body: 'x' });
    await off.runDue();
    const f = await off.client.messages(m.sid).fetch();
    expect([f.status, f.errorCode]).toEqual(['failed', 30008]);
    // No warning: nothing simulated is exposed.
    expect(lines.filter((l) => l.includes('SIM'))).toEqual([]);
  });

  it('with SIM on and a non-loopback HOST, start-up warns once', async () => {
    const warned: string[] = [];
    const on = await startTestServer({
      argv: ['--host', '0.0.0.0'],
      logger: { level: 'warn', stream: { write: (l: string) => warned.push(l) } },
    });
    await on.close();
    // Only the simulator's own warning counts here (an open /metrics warns separately).
    const warnings = warned
      .map((l) => JSON.parse(l) as { level: number; msg: string })
      .filter((w) => /\bSIM\b/.test(w.msg));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 40 });
    expect(warnings[0]!.msg).toMatch(/SIM is on and HOST is not a loopback address/);
  });

  it('on a loopback HOST there is no warning', async () => {
    const warned: string[] = [];
    const on = await startTestServer({
      logger: { level: 'warn', stream: { write: (l: string) => warned.push(l) } },
    });
    await on.close();
    expect(warned).toEqual([]);
  });
});
