import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MAIN_SID,
  ManualClock,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// The outbound lifecycle through the simulated network, driven by the official SDK with a
// manual clock: every step happens when the test says so.
let t: TestServer;
const clock = new ManualClock(Date.UTC(2025, 2, 1, 9, 0, 0));
const FROM = '+14155552345';
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

beforeAll(async () => {
  t = await startTestServer({ clock, env: { SIM_DELAY_MS: '1000' } });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

const rule = (body: object) =>
  fetchAsMain(`${t.url}/sim/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('lifecycle', () => {
  it('queued → sent (date_sent, price) → delivered after the network delay', async () => {
    const m = await t.client.messages.create({ from: FROM, to: '+14155550100', body: 'hello' });
    expect(m.status).toBe('queued');
    await t.runDue();
    const sent = await t.client.messages(m.sid).fetch();
    expect(sent.status).toBe('sent');
    expect(sent.dateSent?.getTime()).toBe(clock.now() - (clock.now() % 1000));
    expect(sent.price).toBe('-0.00830');
    expect(sent.priceUnit).toBe('USD');
    clock.advance(999);
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
    clock.advance(1);
    await t.runDue();
    const done = await t.client.messages(m.sid).fetch();
    expect(done.status).toBe('delivered');
    expect(done.errorCode).toBeNull();
    const inbox = await (await fetchAsMain(`${t.url}/sim/handsets/+14155550100/messages`)).json();
    expect(inbox.messages.map((x: { sid: string }) => x.sid)).toContain(m.sid);
  });

  it('prices per segment', async () => {
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'x'.repeat(161),
    });
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).price).toBe('-0.01660');
  });

  it.each([30003, 30005, 30006, 30007, 30008])('undelivered with %i by rule', async (code) => {
    const to = `+1415555${String(code).slice(1)}`;
    expect((await rule({ match: to, outcome: `undelivered:${code}` })).status).toBe(201);
    const m = await t.client.messages.create({ from: FROM, to, body: 'x' });
    await t.runDue();
    clock.advance(1000);
    await t.runDue();
    const f = await t.client.messages(m.sid).fetch();
    expect(f.status).toBe('undelivered');
    expect(f.errorCode).toBe(code);
    expect(f.errorMessage).toBeTruthy();
    const inbox = await (
      await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(to)}/messages`)
    ).json();
    expect(inbox.messages).toEqual([]);
  });

  it('failed by pattern rule; never reaches the handset', async () => {
    await rule({ match: '+1415666*', outcome: 'failed:30008' });
    const m = await t.client.messages.create({ from: FROM, to: '+14156660001', body: 'x' });
    await t.runDue();
    const f = await t.client.messages(m.sid).fetch();
    expect(f.status).toBe('failed');
    expect(f.errorCode).toBe(30008);
    expect(f.dateSent).toBeNull();
  });

  it('no delivery report: stays sent', async () => {
    await rule({ match: '+14157770001', outcome: 'no-dlr' });
    const m = await t.client.messages.create({ from: FROM, to: '+14157770001', body: 'x' });
    await t.runDue();
    clock.advance(60_000);
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
  });

  it('delayed by N ms', async () => {
    await rule({ match: '+14157770002', delayMs: 5000 });
    const m = await t.client.messages.create({ from: FROM, to: '+14157770002', body: 'x' });
    await t.runDue();
    clock.advance(5999);
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
    clock.advance(1);
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('delivered');
  });

  it('ValidityPeriod: a message still queued when its period expires fails with 30036', async () => {
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'x',
      validityPeriod: 5,
    });
    clock.advance(6000);
    await t.runDue();
    const f = await t.client.messages(m.sid).fetch();
    expect(f.status).toBe('failed');
    expect(f.errorCode).toBe(30036);
  });

  it('a bad rule is a 400 in Twilio’s envelope', async () => {
    const r = await rule({ match: '+1', outcome: 'exploded' });
    expect(r.status).toBe(400);
    expect((await r.json()).code).toBe(20001);
    expect(
      (
        await rule({
          match: '+1',
          mix: [
            { probability: 0.7, outcome: 'failed' },
            { probability: 0.7, outcome: 'failed' },
          ],
        })
      ).status,
    ).toBe(400);
  });

  it('delete works once the message is final', async () => {
    const m = await t.client.messages.create({ from: FROM, to: '+14155550100', body: 'x' });
    await t.runDue();
    clock.advance(1000);
    await t.runDue();
    const r = await t.http('DELETE', `${base}/Messages/${m.sid}.json`);
    expect(r.status).toBe(204);
  });
});
