import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
const A = '+14155552345';
const B = '+14155552346';
const X = '+14155550100';
const Y = '+14155550101';
const base = `/2010-04-01/Accounts/${MAIN_SID}`;
const day = (d: number, h = 12) => Date.UTC(2024, 4, d, h, 0, 0);

beforeAll(async () => {
  t = await startTestServer();
  for (const n of [A, B]) await t.client.incomingPhoneNumbers.create({ phoneNumber: n });
});
afterAll(() => t.close());

async function send(from: string, to: string, body: string, sentAt?: number, tags?: object) {
  // twilio-node has no `tags` option yet, so tagged messages go over raw HTTP.
  const sid: string = tags
    ? (
        await t.http('POST', `${base}/Messages.json`, {
          From: from,
          To: to,
          Body: body,
          Tags: JSON.stringify(tags),
        })
      ).json.sid
    : (await t.client.messages.create({ from, to, body })).sid;
  if (sentAt !== undefined) {
    await t.server.store.messages.transition(
      sid,
      { status: 'delivered', dateSent: sentAt },
      sentAt,
    );
  }
  return sid;
}

const bodies = async (query: string) => {
  const r = await t.http('GET', `${base}/Messages.json?${query}`);
  expect(r.status, r.text).toBe(200);
  return (r.json.messages as { body: string }[]).map((m) => m.body);
};

describe('filters', () => {
  beforeAll(async () => {
    await send(A, X, 'A→X may1', day(1), { campaign: 'spring' });
    await send(A, Y, 'A→Y may2', day(2), { campaign: 'spring', kind: 'otp' });
    await send(B, X, 'B→X may3', day(3), { campaign: 'summer' });
    await send(B, Y, 'B→Y may3 late', day(3, 23) + 59 * 60_000 + 59_000);
    await send(A, X, 'A→X unsent');
  });

  it('To, From and To+From', async () => {
    expect(await bodies('To=%2B14155550100')).toEqual(['A→X unsent', 'B→X may3', 'A→X may1']);
    expect(await bodies('From=%2B14155552346')).toEqual(['B→Y may3 late', 'B→X may3']);
    expect(await bodies('From=%2B14155552345&To=%2B14155550100')).toEqual([
      'A→X unsent',
      'A→X may1',
    ]);
  });

  it('DateSent (a whole UTC day), inclusive < and >, newest first by date sent', async () => {
    expect(await bodies('DateSent=2024-05-03')).toEqual(['B→Y may3 late', 'B→X may3']);
    expect(await bodies('DateSent%3E=2024-05-02')).toEqual([
      'B→Y may3 late',
      'B→X may3',
      'A→Y may2',
    ]);
    expect(await bodies('DateSent%3C=2024-05-02')).toEqual(['A→Y may2', 'A→X may1']);
    expect(await bodies('DateSent%3E=2024-05-02&DateSent%3C=2024-05-02')).toEqual(['A→Y may2']);
  });

  it('ISO date-times: exact to the second, inclusive', async () => {
    expect(await bodies('DateSent%3C=2024-05-02T12%3A00%3A00Z')).toEqual(['A→Y may2', 'A→X may1']);
    expect(await bodies('DateSent%3C=2024-05-02T11%3A59%3A59Z')).toEqual(['A→X may1']);
    expect(await bodies('DateSent%3E=2024-05-03T23%3A59%3A59Z')).toEqual(['B→Y may3 late']);
    expect(await bodies('DateSent%3E=2024-05-03T14%3A00%3A00%2B02%3A00')).toEqual([
      'B→Y may3 late',
      'B→X may3',
    ]);
  });

  it('combines To with a DateSent range', async () => {
    expect(await bodies('To=%2B14155550100&DateSent%3E=2024-05-02')).toEqual(['B→X may3']);
  });

  it('filters by tags (JSON subset, same form as create)', async () => {
    expect(await bodies('Tags=%7B%22campaign%22%3A%22spring%22%7D')).toEqual([
      'A→Y may2',
      'A→X may1',
    ]);
    expect(
      await bodies(`Tags=${encodeURIComponent('{"campaign":"spring","kind":"otp"}')}`),
    ).toEqual(['A→Y may2']);
    const r = await t.http('GET', `${base}/Messages.json?Tags=nope`);
    expect(r.status).toBe(400);
  });

  it('rejects a malformed date with 400', async () => {
    for (const q of [
      'DateSent=yesterday',
      'DateSent%3E=2024-13-01',
      'DateSent%3C=2024-02-30',
      `DateSent%3E=${encodeURIComponent('05/03/2024 05:00:00 XYZ')}`,
      `DateSent=${encodeURIComponent('>=2024-05-01')}`,
    ]) {
      const r = await t.http('GET', `${base}/Messages.json?${q}`);
      expect(r.status, q).toBe(400);
      expect(r.json.code, q).toBe(20001);
    }
  });
});

describe('date forms Twilio answers with 200', () => {
  const q = (key: string, value: string) =>
    `${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
  const all = ['B→Y may3 late', 'B→X may3', 'A→Y may2', 'A→X may1'];

  it('a year or a month: the whole of it for DateSent, a bound for < and >', async () => {
    expect(await bodies(q('DateSent', '2024'))).toEqual(all);
    expect(await bodies(q('DateSent', '2024-05'))).toEqual(all);
    expect(await bodies(q('DateSent', '2024-04'))).toEqual([]);
    expect(await bodies(q('DateSent', '2023'))).toEqual([]);
    expect(await bodies(q('DateSent<', '2024'))).toEqual(all);
    expect(await bodies(q('DateSent<', '2024-04'))).toEqual([]);
    expect(await bodies(q('DateSent>', '2024-05'))).toEqual(all);
    expect(await bodies(q('DateSent>', '2024-06'))).toEqual([]);
  });

  it("the spec's examples: MM/DD/YYYY with a zone name, a space date-time, RFC 2822", async () => {
    // 05:00:00 MST (−07:00) is 12:00:00 UTC, when 'B→X may3' was sent; bounds are inclusive.
    expect(await bodies(q('DateSent>', '05/03/2024 05:00:00 MST'))).toEqual([
      'B→Y may3 late',
      'B→X may3',
    ]);
    expect(await bodies(q('DateSent>', '05/03/2024 05:00:01 MST'))).toEqual(['B→Y may3 late']);
    expect(await bodies(q('DateSent<', '2024-05-02 11:59:59.000'))).toEqual(['A→X may1']);
    expect(await bodies(q('DateSent<', 'Thu, 02 May 2024 12:00:00 -0000'))).toEqual([
      'A→Y may2',
      'A→X may1',
    ]);
    // A date-time in DateSent selects its UTC day: 20:00 PDT on May 2 is May 3 in UTC.
    expect(await bodies(q('DateSent', '05/02/2024 20:00:00 PDT'))).toEqual([
      'B→Y may3 late',
      'B→X may3',
    ]);
  });

  it('through the SDK, which passes a string as it is', async () => {
    const list = await t.client.messages.list({
      dateSentAfter: '05/03/2024 05:00:00 MST' as unknown as Date,
      dateSentBefore: 'Fri, 03 May 2024 12:00:00 -0000' as unknown as Date,
    });
    expect(list.map((m) => m.body)).toEqual(['B→X may3']);
  });
});

describe('tags with spaces, Unicode and quotes', () => {
  const spring = { 'campaign name': 'Spring Sale 2022', message_type: 'cart_abandoned' };
  const french = { clé: '"Soldes d’été" 🎉', empty: '' };
  beforeAll(async () => {
    await send(A, X, 'tagged spring 1', undefined, spring);
    await send(A, X, 'tagged french', undefined, french);
    await send(A, X, 'tagged spring 2', undefined, { ...spring, extra: 'x y' });
  });
  const byTags = (tags: object, extra = '') =>
    bodies(`Tags=${encodeURIComponent(JSON.stringify(tags))}${extra}`);

  it('filters by such pairs, one or several', async () => {
    expect(await byTags({ 'campaign name': 'Spring Sale 2022' })).toEqual([
      'tagged spring 2',
      'tagged spring 1',
    ]);
    expect(await byTags({ ...spring, extra: 'x y' })).toEqual(['tagged spring 2']);
    expect(await byTags({ clé: '"Soldes d’été" 🎉' })).toEqual(['tagged french']);
    expect(await byTags(french)).toEqual(['tagged french']);
    expect(await byTags({ clé: '"Soldes d’été"' })).toEqual([]);
  });

  it('keeps the filter through next_page_uri', async () => {
    const seen: string[] = [];
    let next: string | null =
      `${base}/Messages.json?Tags=${encodeURIComponent(JSON.stringify(spring))}&PageSize=1`;
    while (next) {
      const r = await t.http('GET', next);
      expect(r.status, r.text).toBe(200);
      seen.push(...r.json.messages.map((m: { body: string }) => m.body));
      next = r.json.next_page_uri;
    }
    expect(seen).toEqual(['tagged spring 2', 'tagged spring 1']);
  });

  it('refuses a control character in a filter', async () => {
    const r = await t.http(
      'GET',
      `${base}/Messages.json?Tags=${encodeURIComponent('{"k":"a\tb"}')}`,
    );
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(20001);
  });
});

describe('keyset paging', () => {
  it('stays correct while new messages arrive between page fetches', async () => {
    const to = '+14155550150';
    const before: string[] = [];
    for (let i = 0; i < 10; i++) before.unshift(await send(A, to, `old ${i}`));
    const seen: string[] = [];
    let next: string | null = `${base}/Messages.json?To=${encodeURIComponent(to)}&PageSize=3`;
    let round = 0;
    while (next) {
      const r = await t.http('GET', next);
      seen.push(...r.json.messages.map((m: { sid: string }) => m.sid));
      next = r.json.next_page_uri;
      // New messages arrive after every page.
      await send(A, to, `new ${round++}`);
    }
    expect(seen).toEqual(before);
  });

  it('stays correct on DateSent-ordered pages while messages are sent', async () => {
    const to = '+14155550151';
    const expected: string[] = [];
    for (let i = 0; i < 9; i++) expected.unshift(await send(A, to, `d${i}`, day(10) + i * 1000));
    const seen: string[] = [];
    let next: string | null =
      `${base}/Messages.json?To=${encodeURIComponent(to)}&DateSent%3E=2024-05-10&PageSize=2`;
    while (next) {
      const r = await t.http('GET', next);
      seen.push(...r.json.messages.map((m: { sid: string }) => m.sid));
      next = r.json.next_page_uri;
      await send(A, to, 'later', day(11));
    }
    // Newly sent messages sort before the cursor: nothing skipped, nothing duplicated.
    expect(seen).toEqual(expected);
  });

  it('Page above 0 needs a PageToken, as on Twilio (twilio-python#395)', async () => {
    const to = '+14155550152';
    for (let i = 0; i < 5; i++) await send(A, to, `o${i}`);
    const r = await t.http(
      'GET',
      `${base}/Messages.json?To=${encodeURIComponent(to)}&PageSize=2&Page=1`,
    );
    expect(r.status).toBe(400);
    expect(r.json).toEqual({
      code: 20001,
      message: 'PageToken is required for paging.',
      more_info: 'https://www.twilio.com/docs/errors/20001',
      status: 400,
    });
    await expect(t.client.messages.page({ pageNumber: 1, pageSize: 2 })).rejects.toMatchObject({
      status: 400,
      code: 20001,
    });
    // Page=0 without a token is the first page; Page=1 with the token it gives is the second.
    const first = await t.http(
      'GET',
      `${base}/Messages.json?To=${encodeURIComponent(to)}&PageSize=2&Page=0`,
    );
    expect(first.json.messages.map((m: { body: string }) => m.body)).toEqual(['o4', 'o3']);
    const second = await t.http('GET', first.json.next_page_uri);
    expect(second.json.next_page_uri).toMatch(/&Page=2&PageToken=PA/);
    expect(second.json.messages.map((m: { body: string }) => m.body)).toEqual(['o2', 'o1']);
  });
});
