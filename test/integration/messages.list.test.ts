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
    for (const q of ['DateSent=yesterday', 'DateSent%3E=2024-13-01', 'DateSent%3C=2024-02-30']) {
      const r = await t.http('GET', `${base}/Messages.json?${q}`);
      expect(r.status, q).toBe(400);
    }
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

  it('Page without a token falls back to an offset (legacy clients)', async () => {
    const to = '+14155550152';
    for (let i = 0; i < 5; i++) await send(A, to, `o${i}`);
    expect(await bodies(`To=${encodeURIComponent(to)}&PageSize=2&Page=1`)).toEqual(['o2', 'o1']);
  });
});
