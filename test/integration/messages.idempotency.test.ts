import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { assertMatchesSpec, assertTwilioError } from '../support/openapi.js';
import {
  basic,
  encodeForm,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// Loft's Idempotency-Key extension of POST …/Messages.json (issue 16, item 5), over real HTTP.

const FROM = '+14155552345';
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const DAY = 24 * 3_600_000;
let t: TestServer;
let clock: ManualClock;
let n = 0;

/** A form for a new message to a number no other test texts. */
const form = (over: Record<string, string> = {}) => ({
  From: FROM,
  To: `+1415555${String(1000 + n++)}`,
  Body: 'once',
  ...over,
});

interface Answer {
  status: number;
  headers: Headers;
  json: any;
}

/** POST …/Messages.json with raw fetch, with `Idempotency-Key: key` when given. */
async function create(
  f: Record<string, string>,
  key?: string,
  account = MAIN_SID,
  auth = basic(MAIN_SID, MAIN_TOKEN),
): Promise<Answer> {
  const path = `/2010-04-01/Accounts/${account}/Messages.json`;
  const res = await fetch(t.url + path, {
    method: 'POST',
    headers: {
      authorization: auth,
      'content-type': 'application/x-www-form-urlencoded',
      ...(key !== undefined && { 'idempotency-key': key }),
    },
    body: encodeForm(f),
  });
  const json = JSON.parse(await res.text());
  if (res.status === 201)
    assertMatchesSpec('POST', path, 201, json, { requireAllProperties: true });
  else assertTwilioError(json, res.status, json.code);
  return { status: res.status, headers: res.headers, json };
}

/** Messages of the main account to `to`, from the store. */
const sentTo = async (to: string) =>
  (await t.client.messages.list({ to })).filter((m) => m.direction === 'outbound-api');

beforeAll(async () => {
  clock = new ManualClock(T0);
  t = await startTestServer({ clock });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

describe('Idempotency-Key on POST Messages.json', () => {
  it('without the header nothing changes: two creates, two messages, no extra header', async () => {
    const f = form();
    const a = await create(f);
    const b = await create(f);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.json.sid).not.toBe(b.json.sid);
    expect(a.headers.get('idempotent-replayed')).toBeNull();
    expect(await sentTo(f.To)).toHaveLength(2);
  });

  it('a retried create answers the original message (201, same body) and sends once', async () => {
    const f = form();
    const first = await create(f, 'retry-1');
    const again = await create(f, 'retry-1');
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    // The same form in another parameter order is the same request.
    const reordered = Object.fromEntries(Object.entries(f).reverse());
    expect((await create(reordered, 'retry-1')).json.sid).toBe(first.json.sid);

    await t.runDue();
    // After it was sent, a retry answers the message as it is now: the same SID, sent.
    const later = await create(f, 'retry-1');
    expect(later.status).toBe(201);
    expect(later.json.sid).toBe(first.json.sid);
    expect(later.json.status).toBe('delivered');
    expect(await sentTo(f.To)).toHaveLength(1);
    const inbox = await fetch(`${t.url}/sim/handsets/${encodeURIComponent(f.To)}/messages`, {
      headers: { authorization: basic(MAIN_SID, MAIN_TOKEN) },
    });
    expect(((await inbox.json()) as { messages: unknown[] }).messages).toHaveLength(1);
  });

  it('the same key with other parameters is 422 / 20001 and creates nothing', async () => {
    const f = form();
    const first = await create(f, 'reused');
    const other = await create({ ...f, Body: 'something else' }, 'reused');
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ code: 20001, status: 422 });
    expect(other.json.message).toMatch(/Idempotency-Key 'reused' was already used/);
    const elsewhere = await create({ ...f, To: '+14155559999' }, 'reused');
    expect(elsewhere.status).toBe(422);
    expect((await sentTo(f.To)).map((m) => m.sid)).toEqual([first.json.sid]);
    expect(await sentTo('+14155559999')).toHaveLength(0);
  });

  it('keys are scoped per account: a subaccount’s same key is its own', async () => {
    const sub = await t.client.api.v2010.accounts.create({ friendlyName: 'idem sub' });
    const subFrom = '+14155553456';
    await t.client.api.v2010.accounts(sub.sid).incomingPhoneNumbers.create({
      phoneNumber: subFrom,
    });
    const mine = await create(form(), 'scoped');
    // The parent acting on its subaccount, then the subaccount's own credentials.
    const f = form({ From: subFrom });
    const theirs = await create(f, 'scoped', sub.sid);
    const theirsAgain = await create(f, 'scoped', sub.sid, basic(sub.sid, sub.authToken));
    expect([mine.status, theirs.status, theirsAgain.status]).toEqual([201, 201, 201]);
    expect(theirs.json.sid).not.toBe(mine.json.sid);
    expect(theirs.json.account_sid).toBe(sub.sid);
    expect(theirsAgain.json.sid).toBe(theirs.json.sid);
    expect(theirsAgain.headers.get('idempotent-replayed')).toBe('true');
  });

  it('concurrent creates with one key make one message; all answer it', async () => {
    const f = form();
    const answers = await Promise.all(Array.from({ length: 24 }, () => create(f, 'parallel')));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 201));
    const sids = new Set(answers.map((a) => a.json.sid));
    expect(sids.size).toBe(1);
    expect(answers.filter((a) => a.headers.get('idempotent-replayed') === null)).toHaveLength(1);
    // Other keys in the same burst each create their own.
    const g = form();
    const distinct = await Promise.all(
      Array.from({ length: 12 }, (_, i) => create(g, `burst-${i % 4}`)),
    );
    expect(new Set(distinct.map((a) => a.json.sid)).size).toBe(4);
    await t.runDue();
    expect((await sentTo(f.To)).map((m) => m.sid)).toEqual([...sids]);
    expect(await sentTo(g.To)).toHaveLength(4);
  });

  it('takes the draft’s quoted form; refuses empty, long or non-ASCII keys (400 / 20001)', async () => {
    const f = form();
    const quoted = await create(f, '"8e03978e-40d5-43e8-bc93-6894a57f9324"');
    const bare = await create(f, '8e03978e-40d5-43e8-bc93-6894a57f9324');
    expect(bare.json.sid).toBe(quoted.json.sid);
    for (const bad of ['', '""', 'k'.repeat(256), 'naïve']) {
      const r = await create(form(), bad);
      expect(r.status).toBe(400);
      expect(r.json).toMatchObject({ code: 20001, status: 400 });
      expect(r.json.message).toMatch(/Idempotency-Key must be 1 to 255 printable ASCII/);
    }
    expect((await create(form(), 'k'.repeat(255))).status).toBe(201);
  });

  it('a refused create is not remembered: the retry is validated afresh', async () => {
    const f = form({ From: '+14155550000' }); // no account's number: 21659
    const refused = await create(f, 'refused');
    expect(refused.status).toBe(400);
    expect(refused.json.code).toBe(21659);
    const fixed = await create({ ...f, From: FROM }, 'refused');
    expect(fixed.status).toBe(201);
  });

  it('redacted: a retry still answers the message; deleted: 409 / 20001, never a resend', async () => {
    const f = form({ Body: 'code 424242' });
    const first = await create(f, 'erase');
    await t.runDue();
    await t.client.messages(first.json.sid).update({ body: '' });
    // The fingerprint (a hash of the text) went with the redaction: any parameters replay.
    const keyRow = await t.server.store.idempotencyKeys.get(MAIN_SID, 'erase', 0);
    expect(keyRow?.fingerprint).toBeNull();
    const replayed = await create({ ...f, Body: 'code 000000' }, 'erase');
    expect(replayed.status).toBe(201);
    expect(replayed.json).toMatchObject({ sid: first.json.sid, body: '' });

    await t.client.messages(first.json.sid).remove();
    const gone = await create(f, 'erase');
    expect(gone.status).toBe(409);
    expect(gone.json).toMatchObject({ code: 20001, status: 409 });
    expect(gone.json.message).toContain(first.json.sid);
    expect(await sentTo(f.To)).toHaveLength(0);
  });

  it('the official twilio client sends it through a custom HTTP client', async () => {
    // twilio-node's messages.create() takes no headers; its httpClient option does.
    let key: string | undefined;
    class KeyedClient extends twilio.RequestClient {
      override request<T>(opts: RequestClient.RequestOptions<T>) {
        if (key !== undefined) opts.headers = { ...opts.headers, 'Idempotency-Key': key };
        return super.request(opts);
      }
    }
    const client = twilio(MAIN_SID, MAIN_TOKEN, { httpClient: new KeyedClient() });
    client.api.baseUrl = t.url;
    const params = { from: FROM, to: form().To, body: 'from the sdk' };
    key = 'sdk-1';
    const a = await client.messages.create(params);
    const b = await client.messages.create(params);
    expect(b.sid).toBe(a.sid);
    key = undefined;
    const c = await client.messages.create(params);
    expect(c.sid).not.toBe(a.sid);
    key = 'sdk-1';
    const err = await client.messages.create({ ...params, body: 'changed' }).catch((e) => e);
    expect(err).toMatchObject({ status: 422, code: 20001 });
    expect(await sentTo(params.to)).toHaveLength(2);
  });

  it('a key lasts 24 h: then it creates anew, and the retention sweep deletes the old record', async () => {
    const f = form();
    const first = await create(f, 'day');
    clock.advance(DAY - 1);
    expect((await create(f, 'day')).json.sid).toBe(first.json.sid);
    clock.advance(2);
    const next = await create(f, 'day');
    expect(next.status).toBe(201);
    expect(next.json.sid).not.toBe(first.json.sid);
    expect(next.headers.get('idempotent-replayed')).toBeNull();
    // Records past 24 h go with the next sweep (RETENTION_INTERVAL, 60 s).
    await create(form(), 'old');
    expect(await t.server.store.idempotencyKeys.get(MAIN_SID, 'old', 0)).toBeDefined();
    clock.advance(DAY + 60_000);
    await t.runDue();
    expect(await t.server.store.idempotencyKeys.get(MAIN_SID, 'old', 0)).toBeUndefined();
  });
});
