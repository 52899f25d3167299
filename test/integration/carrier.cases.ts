import { expect, it } from 'vitest';
import { DISPATCH_JOB } from '../../src/delivery/dispatch.handler.js';
import { finalOutcome } from '../../src/jobs/job.js';
import type { TestServer } from '../support/server.js';
import { until } from '../support/until.js';

/** What the conformance cases need of a carrier under test, behind a server (manual delivery). */
export interface CarrierHarness {
  t: TestServer;
  /** The sender to use (a number of the main account). */
  from: string;
  /** Message SIDs in the order the carrier received them; undefined when it cannot tell. */
  submitted(): string[] | undefined;
  /** How many times the carrier received `sid`. */
  received(sid: string): Promise<number>;
  close(): Promise<void>;
}

/** Why a case cannot run against a carrier (absent: it runs). */
export type Skips = Partial<Record<'ordering', string>>;

/**
 * The `Carrier` contract, the same for the simulator, a network carrier and the SMPP carrier
 * against the in-process SMSC: submits keep their creation order; a retaken dispatch job never
 * submits a message twice once its outcome is recorded; a batch of one job and the per-job
 * handler leave the same message and callbacks; the carrier's reports make the final status.
 * Call inside a `describe`, with a harness opened per file.
 */
export function carrierCases(harness: () => CarrierHarness, skips: Skips = {}): void {
  const create = (h: CarrierHarness, to: string, body = 'conformance') =>
    h.t.client.messages.create({ from: h.from, to, body });
  const final = (h: CarrierHarness, sid: string) =>
    until(async () => {
      const m = await h.t.client.messages(sid).fetch();
      return ['delivered', 'undelivered', 'failed'].includes(m.status) ? m : undefined;
    });
  const events = async (h: CarrierHarness, sid: string) => {
    const r = await h.t.http('GET', `/loft/v1/Accounts/${h.t.client.accountSid}/Messages/${sid}/Events`);
    return (r.json as { events: { status: string }[] }).events.map((e) => e.status);
  }; // prettier-ignore

  it.skipIf(skips.ordering !== undefined)('submits in creation order', async () => {
    const h = harness();
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await create(h, '+14155550170')).sid);
    await h.t.runDue();
    expect(h.submitted()?.filter((s) => sids.includes(s))).toEqual(sids);
  });

  it('a retaken dispatch job does not submit a sent message again', async () => {
    const h = harness();
    const m = await create(h, '+14155550171');
    await h.t.runDue();
    await final(h, m.sid);
    await h.t.server.store.outbox.enqueue([
      { kind: DISPATCH_JOB, ref: m.sid, payload: {}, runAt: 0 },
    ]);
    await h.t.runDue();
    expect(await h.received(m.sid)).toBe(1);
  });

  it('a batch of one and the per-job handler leave the same message and history', async () => {
    const h = harness();
    const [a, b] = [await create(h, '+14155550172'), await create(h, '+14155550173')];
    const jobs = await h.t.server.store.outbox.claim({
      kinds: [DISPATCH_JOB],
      owner: 'conformance',
      now: Date.now() + 1000,
      limit: 10,
      leaseMs: 60_000,
    });
    const jobOf = (sid: string) => jobs.find((j) => j.ref === sid)!;
    const handler = h.t.server.delivery.pipeline.dispatch;
    const leftovers = await handler.batch!([jobOf(a.sid)], { owner: 'conformance' });
    for (const o of leftovers.values()) if ('later' in o) await o.later;
    await finalOutcome(handler(jobOf(b.sid)));
    await h.t.runDue();
    const [ma, mb] = [await final(h, a.sid), await final(h, b.sid)];
    const shape = (m: typeof ma) => [m.status, m.numSegments, m.price, m.priceUnit, m.errorCode];
    expect(shape(ma)).toEqual(shape(mb));
    expect(await events(h, a.sid)).toEqual(await events(h, b.sid));
    expect(await h.received(a.sid)).toBe(1);
    expect(await h.received(b.sid)).toBe(1);
  });
}
