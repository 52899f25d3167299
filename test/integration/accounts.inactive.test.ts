import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { TwilioError } from '../../src/http/errors.js';
import { randomIds } from '../../src/ids.js';
import { ingestInbound } from '../../src/inbound/inbound.ingest.js';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { assertTwilioError } from '../support/openapi.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// Suspended and closed accounts (or those whose parent is) do nothing: a handset texting their
// number through /sim is refused (401 / 20005), and messages they queued before the change fail
// at dispatch with 30002 "Account suspended" (twilio.com/docs/api/errors/30002), status callback
// included, without reaching the carrier.
let t: TestServer;
let media: MediaServer;
let receiver: HttpServer;
let callbackUrl = '';
/** Status callbacks received: MessageSid → [MessageStatus/ErrorCode, …] in order. */
const callbacks = new Map<string, string[]>();
const MAIN = basic(MAIN_SID, MAIN_TOKEN);
const HANDSET = '+14155557777';

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const p = new URLSearchParams(body);
      const sid = p.get('MessageSid') ?? '';
      const seen = callbacks.get(sid) ?? [];
      seen.push(`${p.get('MessageStatus')}/${p.get('ErrorCode') ?? ''}`);
      callbacks.set(sid, seen);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/status`;
  media = await startMediaServer();
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
  await media.close();
  await new Promise((ok) => receiver.close(ok));
});

type Sub = { sid: string; auth: string };
let n = 0;
const acct = (sid: string) => `/2010-04-01/Accounts/${sid}`;

async function subaccount(): Promise<Sub> {
  const r = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: `inactive ${++n}` });
  expect(r.status).toBe(201);
  return { sid: r.json.sid, auth: basic(r.json.sid, r.json.auth_token) };
}
async function buy(sid: string, auth?: string): Promise<string> {
  const r = await t.http(
    'POST',
    `${acct(sid)}/IncomingPhoneNumbers.json`,
    { AreaCode: '415' },
    auth,
  );
  expect(r.status).toBe(201);
  return r.json.phone_number;
}
async function setStatus(sid: string, status: string): Promise<void> {
  const r = await t.http('POST', `${acct(sid)}.json`, { Status: status });
  expect([r.status, r.json.status]).toEqual([200, status]);
}
/** A nested subaccount of `parent`, as stores from before 21101 may hold (the API makes none). */
async function nested(parent: string, hex: string): Promise<Sub> {
  const now = Date.now();
  const token = hex.repeat(16);
  await t.server.store.accounts.insert({
    sid: 'AC' + hex.repeat(16),
    ownerAccountSid: parent,
    friendlyName: 'nested',
    authToken: token,
    status: 'active',
    type: 'Full',
    dateCreated: now,
    dateUpdated: now,
  });
  return { sid: 'AC' + hex.repeat(16), auth: basic('AC' + hex.repeat(16), token) };
}

/** A handset texting `to` through /sim as `auth`. */
async function text(to: string, auth: string, body = 'hello') {
  const res = await fetch(`${t.url}/sim/handsets/${encodeURIComponent(HANDSET)}/messages`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/json' },
    body: JSON.stringify({ to, body }),
  });
  return { status: res.status, json: await res.json() };
}
function expectError(r: { status: number; json: any }, status: number, code: number) {
  expect([r.status, r.json?.code]).toEqual([status, code]);
  assertTwilioError(r.json, status, code);
}
/** Inbound messages stored for `to` (read from the store: a closed account's API is shut). */
const inboundTo = async (accountSid: string, to: string) =>
  (
    await t.server.store.messages.list(
      { accountSid, to, tags: [] },
      { limit: 50, direction: 'after' },
    )
  ).filter((m) => m.direction === 'inbound').length;

describe('an inactive account receives nothing', () => {
  it('a handset texting a suspended subaccount’s number: 401 / 20005 for it, its key and its parent; nothing stored', async () => {
    const a = await subaccount();
    const number = await buy(a.sid, a.auth);
    const keyRes = await t.http('POST', `${acct(a.sid)}/Keys.json`, {}, a.auth);
    const key = basic(keyRes.json.sid, keyRes.json.secret);
    expect((await text(number, a.auth)).status).toBe(201);

    await setStatus(a.sid, 'suspended');
    for (const auth of [a.auth, key, MAIN]) {
      const r = await text(number, auth, 'while suspended');
      expectError(r, 401, 20005);
      expect(r.json.message).toBe(`Account ${a.sid} is not active`);
    }
    expect(await inboundTo(a.sid, number)).toBe(1);

    await setStatus(a.sid, 'active');
    expect((await text(number, a.auth)).status).toBe(201);
    expect(await inboundTo(a.sid, number)).toBe(2);

    // Closed: its numbers were released (an unknown number), and its credentials are refused.
    await setStatus(a.sid, 'closed');
    expectError(await text(number, MAIN), 404, 20404);
    expectError(await text(number, a.auth), 401, 20003);
    expect(await inboundTo(a.sid, number)).toBe(2);
  });

  it('a subaccount whose parent is suspended, then closed, receives nothing (by /sim and by the carrier’s path)', async () => {
    const parent = await subaccount();
    const child = await nested(parent.sid, 'e5');
    const number = await buy(child.sid, child.auth);
    expect((await text(number, child.auth)).status).toBe(201);
    // The path a carrier's inbound takes: no caller to act for, every account's numbers.
    const carrier = () =>
      ingestInbound(
        {
          store: t.server.store,
          clock: systemClock,
          ids: randomIds(),
          publicBaseUrl: t.url,
          prices: t.server.delivery.prices,
        },
        { from: HANDSET, to: number, body: 'carrier', mediaUrls: [] },
      );
    const refused = async (): Promise<unknown> =>
      carrier().then(
        () => 'stored',
        (e: unknown) => e,
      );

    await setStatus(parent.sid, 'suspended');
    expectError(await text(number, child.auth), 401, 20005);
    const e = await refused();
    expect(e).toBeInstanceOf(TwilioError);
    expect([(e as TwilioError).status, (e as TwilioError).code]).toEqual([401, 20005]);

    await setStatus(parent.sid, 'closed');
    expectError(await text(number, child.auth), 401, 20003);
    const closed = await refused();
    expect([(closed as TwilioError).status, (closed as TwilioError).code]).toEqual([401, 20005]);
    expect(await inboundTo(child.sid, number)).toBe(1);
  });
});

describe('messages queued before the account became inactive fail at dispatch with 30002', () => {
  it('suspended, closed, or under a suspended parent: failed / 30002, status callback sent, nothing on the air; an active account’s send goes on', async () => {
    const suspended = await subaccount();
    const closed = await subaccount();
    const parent = await subaccount();
    const child = await nested(parent.sid, 'f6');
    const active = await subaccount();
    const send = async (s: Sub, from: string, extra: Record<string, string> = {}) => {
      const r = await t.http(
        'POST',
        `${acct(s.sid)}/Messages.json`,
        { From: from, To: '+14155550100', Body: 'queued', StatusCallback: callbackUrl, ...extra },
        s.auth,
      );
      expect([r.status, r.json.status]).toEqual([201, 'queued']);
      return r.json.sid as string;
    };
    const failing: string[] = [];
    for (const s of [suspended, closed, child]) {
      const from = await buy(s.sid, s.auth);
      failing.push(await send(s, from));
    }
    // An MMS goes through the per-message path (the others through the batch): its media is
    // never fetched.
    const mmsFrom = await buy(suspended.sid, suspended.auth);
    failing.push(await send(suspended, mmsFrom, { MediaUrl: `${media.base}/image.png` }));
    const activeFrom = await buy(active.sid, active.auth);
    const goesOn = await send(active, activeFrom);

    await setStatus(suspended.sid, 'suspended');
    await setStatus(closed.sid, 'closed');
    await setStatus(parent.sid, 'suspended');
    await t.runDue();

    const store = t.server.store;
    for (const sid of failing) {
      const m = await store.messages.findBySid(sid);
      expect([sid, m?.status, m?.errorCode, m?.errorMessage]).toEqual([
        sid,
        'failed',
        30002,
        'Account suspended',
      ]);
      expect(callbacks.get(sid)).toEqual(['failed/30002']);
      expect(await store.sim.get(sid)).toBeUndefined();
    }
    expect(media.hits.get('/image.png') ?? 0).toBe(0);
    expect((await store.messages.findBySid(goesOn))?.status).toBe('delivered');
    expect(callbacks.get(goesOn)).toEqual(['sending/', 'sent/', 'delivered/']);
    // As the API shows it to the parent.
    const shown = await t.http('GET', `${acct(suspended.sid)}/Messages/${failing[0]}.json`);
    expect([shown.json.status, shown.json.error_code]).toEqual(['failed', 30002]);

    // Reactivated, it sends again.
    await setStatus(suspended.sid, 'active');
    const again = await send(suspended, mmsFrom);
    await t.runDue();
    expect((await store.messages.findBySid(again))?.status).toBe('delivered');
  });
});
