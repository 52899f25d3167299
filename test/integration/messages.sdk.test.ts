import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

// The examples of Twilio's Message resource documentation, run through the official SDK.
let t: TestServer;
const FROM = '+14155552345';
const TO = '+14155550100';

beforeAll(async () => {
  t = await startTestServer();
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

/** Marks a message delivered through the store seam the delivery pipeline uses. */
async function deliver(sid: string, at = Date.now()) {
  await t.server.store.messages.transition(sid, { status: 'delivered', dateSent: at }, at);
}

describe('Message resource docs examples via twilio-node', () => {
  it('sends a message (create) and gets a queued SM… message back', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'Hi there' });
    expect(m.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(m.status).toBe('queued');
    expect(m.direction).toBe('outbound-api');
    expect(m.body).toBe('Hi there');
    expect(m.numSegments).toBe('1');
    expect(m.numMedia).toBe('0');
    expect(m.dateCreated).toBeInstanceOf(Date);
    expect(m.dateSent).toBeNull();
    expect(m.accountSid).toBe(t.server.main.account.sid);
  });

  it('lists messages with limit 20', async () => {
    for (let i = 0; i < 25; i++)
      await t.client.messages.create({ from: FROM, to: TO, body: `n${i}` });
    const list = await t.client.messages.list({ limit: 20 });
    expect(list).toHaveLength(20);
    // Newest first.
    expect(list[0]?.body).toBe('n24');
    expect(list[19]?.body).toBe('n5');
  });

  it('lists messages filtered by dateSent, from and to', async () => {
    const other = '+14155550199';
    const a = await t.client.messages.create({ from: FROM, to: other, body: 'on the day' });
    const b = await t.client.messages.create({ from: FROM, to: other, body: 'day before' });
    const c = await t.client.messages.create({ from: FROM, to: TO, body: 'other recipient' });
    await deliver(a.sid, Date.UTC(2016, 7, 31, 12, 0, 0));
    await deliver(b.sid, Date.UTC(2016, 7, 30, 23, 59, 59));
    await deliver(c.sid, Date.UTC(2016, 7, 31, 12, 0, 0));
    const list = await t.client.messages.list({
      dateSent: new Date('2016-08-31T00:00:00Z'),
      from: FROM,
      to: other,
      limit: 20,
    });
    // DateSent names a day: the SDK sends midnight as a date-time, and the whole day matches.
    expect(list.map((m) => m.body)).toEqual(['on the day']);
    const byDay = await t.client.messages.list({
      dateSent: '2016-08-31' as unknown as Date,
      from: FROM,
      to: other,
    });
    expect(byDay.map((m) => m.body)).toEqual(['on the day']);
    const after = await t.client.messages.list({
      dateSentAfter: new Date('2016-08-30T23:59:59Z'),
      dateSentBefore: new Date('2016-08-31T12:00:00Z'),
      to: other,
    });
    expect(after.map((m) => m.body)).toEqual(['on the day', 'day before']);
  });

  it('fetches a message by SID', async () => {
    const created = await t.client.messages.create({ from: FROM, to: TO, body: 'fetch me' });
    const m = await t.client.messages(created.sid).fetch();
    expect(m.sid).toBe(created.sid);
    expect(m.body).toBe('fetch me');
    expect(m.subresourceUris).toEqual({
      media: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Media.json`,
      feedback: `/2010-04-01/Accounts/${m.accountSid}/Messages/${m.sid}/Feedback.json`,
    });
  });

  it('removes a finished message, and refuses while it is queued (20009)', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'delete me' });
    await expect(t.client.messages(m.sid).remove()).rejects.toMatchObject({ code: 20009 });
    await deliver(m.sid);
    await expect(t.client.messages(m.sid).remove()).resolves.toBe(true);
    await expect(t.client.messages(m.sid).fetch()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
  });

  it("redacts a message with update({ body: '' })", async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'secret 123' });
    await deliver(m.sid);
    const redacted = await t.client.messages(m.sid).update({ body: '' });
    expect(redacted.body).toBe('');
    expect(redacted.status).toBe('delivered');
    expect((await t.client.messages(m.sid).fetch()).body).toBe('');
  });

  it('pages with the SDK across several pages without duplicates', async () => {
    const seen = new Set<string>();
    // each() reports the end (and a failed expectation in the callback) through `done`.
    await new Promise<void>((resolve, reject) => {
      const done = (err?: Error) => (err ? reject(err) : resolve());
      t.client.messages.each({ pageSize: 7, done }, (m) => {
        expect(seen.has(m.sid)).toBe(false);
        seen.add(m.sid);
      });
    });
    const all = await t.client.messages.list({ pageSize: 1000 });
    expect(seen.size).toBe(all.length);
    expect(all.length).toBeGreaterThan(30);
  });
});
