import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Pacer, rateOf } from '../../src/delivery/pacing.js';
import { MAIN_SID, ManualClock, startTestServer, type TestServer } from '../support/server.js';

describe('Pacer', () => {
  it('rates by sender type', () => {
    expect(rateOf('+14155552345')).toBe(1);
    expect(rateOf('+18005550100')).toBe(3);
    expect(rateOf('12345')).toBe(100);
  });
  it('reserves consecutive slots per sender and reports the backlog', () => {
    const p = new Pacer();
    expect(p.reserve('+14155552345', 1, 0)).toBe(0);
    expect(p.reserve('+14155552345', 2, 0)).toBe(1000);
    expect(p.reserve('+14155552345', 1, 0)).toBe(3000);
    expect(p.backlogMs('+14155552345', 0)).toBe(4000);
    expect(p.reserve('+18005550100', 3, 0)).toBe(0);
    expect(p.reserve('+18005550100', 1, 0)).toBe(1000);
  });
});

// With PACING=on a long code sends one segment per second.
let t: TestServer;
const clock = new ManualClock(Date.UTC(2025, 0, 1));
const FROM = '+14155552345';
beforeAll(async () => {
  t = await startTestServer({ clock, env: { PACING: 'on' } });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

describe('pacing through the pipeline', () => {
  it('sends one message per second from a long code', async () => {
    const sids: string[] = [];
    for (let i = 0; i < 3; i++)
      sids.push(
        (await t.client.messages.create({ from: FROM, to: '+14155550100', body: `p${i}` })).sid,
      );
    // Dispatch runs concurrently, so which message takes which slot may vary; count them.
    const statuses = async () =>
      (
        await Promise.all(sids.map(async (s) => (await t.client.messages(s).fetch()).status))
      ).sort();
    await t.runDue();
    expect(await statuses()).toEqual(['delivered', 'queued', 'queued']);
    clock.advance(1000);
    await t.runDue();
    expect(await statuses()).toEqual(['delivered', 'delivered', 'queued']);
    clock.advance(1000);
    await t.runDue();
    expect(await statuses()).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('21611 once the sender has more than 10 h queued', async () => {
    t.server.delivery.pacer!.reserve(FROM, 36_001, clock.now());
    const r = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, {
      From: FROM,
      To: '+14155550100',
      Body: 'x',
    });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(21611);
  });
});
