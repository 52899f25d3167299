import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAIN_SID,
  ManualClock,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// Messaging Services through the pipeline: accepted → queued with a pool sender, sticky
// senders, scheduling at SendAt with an injected clock, and cancel.
let t: TestServer;
const clock = new ManualClock(Date.UTC(2025, 5, 1, 8, 0, 0));
const POOL = ['+14155552001', '+14155552002', '+14155552003'];
let serviceSid = '';
let emptySid = '';

beforeAll(async () => {
  t = await startTestServer({ clock });
  t.client.messaging.baseUrl = t.url;
  const service = await t.client.messaging.v1.services.create({ friendlyName: 'pool' });
  serviceSid = service.sid;
  emptySid = (await t.client.messaging.v1.services.create({ friendlyName: 'empty' })).sid;
  for (const n of POOL) {
    const pn = await t.client.incomingPhoneNumbers.create({ phoneNumber: n });
    await t.client.messaging.v1
      .services(serviceSid)
      .phoneNumbers.create({ phoneNumberSid: pn.sid });
  }
});
afterAll(() => t.close());

const status = async (sid: string) => (await t.client.messages(sid).fetch()).status;

describe('Messaging Service sends', () => {
  it('accepted → queued with a sender from the pool → delivered; the sender sticks per recipient', async () => {
    const a = await t.client.messages.create({
      messagingServiceSid: serviceSid,
      to: '+14155550100',
      body: 'x',
    });
    expect(a.status).toBe('accepted');
    expect(a.from).toBeNull();
    await t.runDue();
    const done = await t.client.messages(a.sid).fetch();
    expect(done.status).toBe('delivered');
    expect(POOL).toContain(done.from);
    expect(done.numSegments).toBe('1');
    const history = await t.server.store.messages.history(a.sid);
    expect(history.map((h) => h.status)).toEqual([
      'accepted',
      'queued',
      'sending',
      'sent',
      'delivered',
    ]);
    for (let i = 0; i < 3; i++) {
      const again = await t.client.messages.create({
        messagingServiceSid: serviceSid,
        to: '+14155550100',
        body: `y${i}`,
      });
      await t.runDue();
      expect((await t.client.messages(again.sid).fetch()).from).toBe(done.from);
    }
  });

  it('a service with an empty pool fails the message', async () => {
    const m = await t.client.messages.create({
      messagingServiceSid: emptySid,
      to: '+14155550100',
      body: 'x',
    });
    await t.runDue();
    const f = await t.client.messages(m.sid).fetch();
    expect(f.status).toBe('failed');
    expect(f.errorCode).toBe(21704);
  });

  it('scheduled: sent at SendAt, not before', async () => {
    const sendAt = new Date(clock.now() + 3_600_000);
    const m = await t.client.messages.create({
      messagingServiceSid: serviceSid,
      to: '+14155550101',
      body: 'later',
      scheduleType: 'fixed',
      sendAt,
    });
    expect(m.status).toBe('scheduled');
    await t.runDue();
    clock.advance(3_599_000);
    await t.runDue();
    expect(await status(m.sid)).toBe('scheduled');
    clock.advance(1000);
    await t.runDue();
    expect(await status(m.sid)).toBe('delivered');
    const sent = await t.client.messages(m.sid).fetch();
    expect(sent.dateSent?.getTime()).toBe(sendAt.getTime());
    // The sender is picked from the pool at send time.
    expect(POOL).toContain(sent.from);
    expect(sent.numSegments).toBe('1');
  });

  it('a canceled scheduled message is never sent', async () => {
    const m = await t.client.messages.create({
      messagingServiceSid: serviceSid,
      to: '+14155550102',
      body: 'never',
      scheduleType: 'fixed',
      sendAt: new Date(clock.now() + 900_000),
    });
    const c = await t.client.messages(m.sid).update({ status: 'canceled' });
    expect(c.status).toBe('canceled');
    clock.advance(1_000_000);
    await t.runDue();
    expect(await status(m.sid)).toBe('canceled');
    const inbox = await (await fetchAsMain(`${t.url}/sim/handsets/+14155550102/messages`)).json();
    expect(inbox.messages).toEqual([]);
    // 30409 once it is no longer scheduled.
    const again = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages/${m.sid}.json`, {
      Status: 'canceled',
    });
    expect(again.status).toBe(400);
    expect(again.json.code).toBe(30409);
  });

  describe('SmartEncoding on the service', () => {
    // 100 characters with curly quotes: 2 segments as UCS-2, 1 once smart-encoded to GSM-7.
    const body = `\u201cQuoted\u201d ${'x'.repeat(91)}`;
    let smartSid = '';
    const SMART_FROM = '+14155552009';
    beforeAll(async () => {
      smartSid = (
        await t.client.messaging.v1.services.create({ friendlyName: 'smart', smartEncoding: true })
      ).sid;
      const pn = await t.client.incomingPhoneNumbers.create({ phoneNumber: SMART_FROM });
      await t.client.messaging.v1
        .services(smartSid)
        .phoneNumbers.create({ phoneNumberSid: pn.sid });
    });

    it('counts segments smart-encoded from the create response on, unless the message says no', async () => {
      const m = await t.client.messages.create({
        messagingServiceSid: smartSid,
        from: SMART_FROM,
        to: '+14155550103',
        body,
      });
      expect(m.numSegments).toBe('1');
      const own = await t.client.messages.create({
        messagingServiceSid: smartSid,
        from: SMART_FROM,
        to: '+14155550103',
        body,
        smartEncoded: false,
      });
      expect(own.numSegments).toBe('2');
    });

    it('counts them so when the sender is picked, also for a message the carrier then fails', async () => {
      const rule = await fetchAsMain(`${t.url}/sim/rules`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ match: '+14155550104', outcome: 'failed:30008' }),
      });
      expect(rule.status).toBe(201);
      const m = await t.client.messages.create({
        messagingServiceSid: smartSid,
        to: '+14155550104',
        body,
      });
      expect(m.numSegments).toBe('0');
      await t.runDue();
      const failed = await t.client.messages(m.sid).fetch();
      expect(failed.status).toBe('failed');
      expect(failed.errorCode).toBe(30008);
      expect(failed.numSegments).toBe('1');
      expect((await fetchAsMain(`${t.url}/sim/rules`, { method: 'DELETE' })).status).toBe(204);
    });
  });
});
