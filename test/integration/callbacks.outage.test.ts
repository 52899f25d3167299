import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { MAIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { outageReceiver, type OutageReceiver } from '../support/outage-receiver.js';

// Issue 16: a 30 s receiver outage lost 10 of 300 first status callbacks (8 rounds of full
// jitter could all fall within 28 s). A receiver that comes back within the retry span gets
// every callback, in order per message. Simulated time: the server's clock is a ManualClock
// moved in steps, and `runDue` runs whatever is due at each step (the real-time 60 s run is
// soak/callbacks.ts).

const FROM = '+14155552345';
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const STEP_MS = 20_000;
const EVERY_STATUS = ['sending', 'sent', 'delivered'];

let t: TestServer | undefined;
let rx: OutageReceiver | undefined;

afterEach(async () => {
  await t?.close();
  await rx?.close();
  t = rx = undefined;
});

/** Sends `n` messages whose status callbacks go to the receiver; returns their SIDs. */
async function send(server: TestServer, receiver: OutageReceiver, n: number): Promise<string[]> {
  const sids: string[] = [];
  for (let i = 0; i < n; i++) {
    const m = await server.client.messages.create({
      from: FROM,
      to: `+1415555${String(1000 + i)}`,
      body: `outage ${i}`,
      statusCallback: `${receiver.url}status`,
    });
    sids.push(m.sid);
  }
  return sids;
}

/**
 * Moves the clock in steps up to `until` (ms after T0), running what is due at each step, with
 * the receiver in the mode `plan` gives for that time.
 */
async function run(
  server: TestServer,
  clock: ManualClock,
  receiver: OutageReceiver,
  until: number,
  plan: (elapsed: number) => 'refuse' | '503' | 'up',
  done: () => boolean = () => false,
) {
  while (clock.now() - T0 <= until && !done()) {
    await receiver.setMode(plan(clock.now() - T0));
    await server.runDue();
    clock.advance(STEP_MS);
  }
}

describe('status callbacks outlast a receiver outage', () => {
  it('a 50 min outage (refused, then 503): every callback arrives, in order per message', async () => {
    const clock = new ManualClock(T0);
    rx = await outageReceiver(MAIN_TOKEN);
    t = await startTestServer({ clock });
    await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
    await rx.setMode('refuse');
    const sids = await send(t, rx, 30);
    const all = sids.length * EVERY_STATUS.length;
    // Down for 50 minutes: connections refused for 25, then 503s for 25; back up after.
    const plan = (ms: number) => (ms < 25 * 60_000 ? 'refuse' : ms < 50 * 60_000 ? '503' : 'up');
    await run(t, clock, rx, 2 * 3_600_000, plan, () => rx!.taken.length >= all);

    const got = rx.bySid();
    const lost = sids.flatMap((sid) => {
      const statuses = got.get(sid) ?? [];
      return EVERY_STATUS.filter((s) => !statuses.includes(s)).map((s) => `${sid} ${s}`);
    });
    expect(lost).toEqual([]);
    // In order per message, and none twice (each was refused outright or answered 503).
    for (const sid of sids) expect(got.get(sid)).toEqual(EVERY_STATUS);
    expect(rx.taken.every((c) => c.valid)).toBe(true);
    expect(rx.refused503).toBeGreaterThan(0);
    // Nothing arrived during the outage; the first callbacks took more rounds than the old
    // schedule's 8, and none was given up.
    const log = await t.server.store.webhooks.attempts(sids[0]!);
    const firstRounds = log.filter((a) => a.params['MessageStatus'] === 'sending');
    expect(firstRounds.length).toBeGreaterThan(8);
    expect(firstRounds.at(-1)!.attemptedAt - T0).toBeGreaterThanOrEqual(50 * 60_000);
    expect(firstRounds.at(-1)!.responseStatus).toBe(200);
  }, 60_000);

  it('WEBHOOK_RETRY_SPAN=5m: a callback is given up after 5 min, then the next ones follow in order', async () => {
    const clock = new ManualClock(T0);
    rx = await outageReceiver(MAIN_TOKEN);
    t = await startTestServer({ clock, env: { WEBHOOK_RETRY_SPAN: '5m' } });
    await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
    await rx.setMode('503');
    const [sid] = await send(t, rx, 1);
    // Down until the first callback ('sending') is given up; its successor ('sent') is first
    // tried only then, and gets through once the receiver is back.
    const attempts = () => t!.server.store.webhooks.attempts(sid!);
    let givenUp = false;
    while (clock.now() - T0 <= 30 * 60_000 && rx.taken.length < 2) {
      await rx.setMode(givenUp ? 'up' : '503');
      await t.runDue();
      const log = await attempts();
      givenUp = log.some((a) => a.params['MessageStatus'] === 'sending' && a.nextRetryAt === null);
      clock.advance(STEP_MS);
    }

    expect(rx.bySid().get(sid!)).toEqual(['sent', 'delivered']);
    const log = await attempts();
    const sending = log.filter((a) => a.params['MessageStatus'] === 'sending');
    const sent = log.filter((a) => a.params['MessageStatus'] === 'sent');
    // A 5 min span is 10 rounds: the floors of 8 retries add up to 255 s, of 9 to 511 s.
    expect(sending.length).toBe(10);
    expect(sending.every((a) => a.responseStatus === 503)).toBe(true);
    expect(sending.at(-1)!.attemptedAt - sending[0]!.attemptedAt).toBeGreaterThanOrEqual(300_000);
    expect(sending.at(-1)!.nextRetryAt).toBeNull();
    // The next callback of the message starts after the first is given up, never before.
    expect(sent[0]!.attemptedAt).toBeGreaterThanOrEqual(sending.at(-1)!.attemptedAt);
    expect(sent.at(-1)!.responseStatus).toBe(200);
  }, 60_000);
});
