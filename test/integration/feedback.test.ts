import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { rfc2822 } from '../../src/http/dates.js';
import { MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

let t: TestServer;
const clock = new ManualClock(Date.UTC(2024, 4, 1, 9, 30, 0));
const FROM = '+14155552345';
const TO = '+14155550100';

beforeAll(async () => {
  t = await startTestServer({ clock });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

const feedbackPath = (sid: string) =>
  `/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}/Feedback.json`;

describe('Feedback subresource', () => {
  it('records confirmed feedback through the SDK', async () => {
    const m = await t.client.messages.create({
      from: FROM,
      to: TO,
      body: '123456',
      provideFeedback: true,
    });
    clock.advance(60_000);
    const f = await t.client.messages(m.sid).feedback.create({ outcome: 'confirmed' });
    expect(f.outcome).toBe('confirmed');
    expect(f.messageSid).toBe(m.sid);
    expect(f.accountSid).toBe(MAIN_SID);
    expect(f.uri).toBe(feedbackPath(m.sid));
    // With ProvideFeedback=true the feedback exists (unconfirmed) from the message's creation.
    expect(f.dateCreated.getTime()).toBe(m.dateCreated.getTime());
    expect(f.dateUpdated.getTime()).toBe(clock.now());
  });

  it('answers 200 (not 201) with exactly the spec properties', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'code' });
    clock.advance(7_000);
    const r = await t.http('POST', feedbackPath(m.sid), { Outcome: 'unconfirmed' });
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual([
      'account_sid',
      'date_created',
      'date_updated',
      'message_sid',
      'outcome',
      'uri',
    ]);
    expect(r.json.outcome).toBe('unconfirmed');
    // Without ProvideFeedback it is accepted too, created now.
    expect(r.json.date_created).toBe(rfc2822(clock.now()));
    expect(r.json.date_created).not.toBe(rfc2822(m.dateCreated.getTime()));
  });

  it('updates the outcome, keeping date_created', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'code' });
    const first = await t.http('POST', feedbackPath(m.sid), { Outcome: 'unconfirmed' });
    clock.advance(5_000);
    const second = await t.http('POST', feedbackPath(m.sid), { Outcome: 'confirmed' });
    expect(second.json.outcome).toBe('confirmed');
    expect(second.json.date_created).toBe(first.json.date_created);
    expect(second.json.date_updated).not.toBe(first.json.date_updated);
    expect((await t.server.store.feedback.get(m.sid))?.outcome).toBe('confirmed');
  });

  it('defaults a missing Outcome to confirmed', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'code' });
    const f = await t.client.messages(m.sid).feedback.create();
    expect(f.outcome).toBe('confirmed');
  });

  it('refuses an unknown Outcome with 400/20001', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'code' });
    const r = await t.http('POST', feedbackPath(m.sid), { Outcome: 'delivered' });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(20001);
    expect(await t.server.store.feedback.get(m.sid)).toBeUndefined();
  });

  it('answers 404/20404 for an unknown message', async () => {
    const ghost = 'SM' + 'f'.repeat(32);
    await expect(
      t.client.messages(ghost).feedback.create({ outcome: 'confirmed' }),
    ).rejects.toMatchObject({ status: 404, code: 20404 });
  });

  it('answers 405 for GET (v2010 has no feedback read)', async () => {
    const m = await t.client.messages.create({ from: FROM, to: TO, body: 'code' });
    const r = await t.http('GET', feedbackPath(m.sid));
    expect(r.status).toBe(405);
    expect(r.json.code).toBe(20004);
  });
});
