import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { dispatchHandler } from '../../src/delivery/dispatch.handler.js';
import type { CallbackExtras, StatusCallbacks } from '../../src/delivery/lifecycle.js';
import { createPipeline } from '../../src/delivery/pipeline.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import type { Message } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { messageRecord, randomSid } from '../support/records.js';
import { openTestStore } from '../support/stores.js';

// A carrier that knows the outcome at submit time (the simulator with no delay) hands the
// delivery report back with the result: the message goes sent → delivered/undelivered in the
// dispatch transaction, with both callbacks, and no report job is queued. (Real status callbacks
// on this path, signed and in order, are checked in delivery.batch.test.ts: test servers run
// with SIM_DELAY_MS=0.)
const ACCOUNT = 'AC' + 'd0'.repeat(16);
const UNDELIVERED = '+14155559001';
const NO_DLR = '+14155559002';
const DELAYED = '+14155559003';

async function setup(store: Store) {
  const clock = new ManualClock(Date.UTC(2025, 6, 1));
  const network = new SimNetwork({ deliveryDelayMs: 0, seed: 'immediate' });
  const rules = [
    { match: UNDELIVERED, outcome: 'undelivered:30005' },
    { match: NO_DLR, outcome: 'no-dlr' },
    { match: DELAYED, delayMs: 500 },
  ].map((r) => network.parseRule(r, null));
  await network.replaceRules(store, 'all', rules);
  const calls: { sid: string; status: string; extras?: CallbackExtras }[] = [];
  const record = (m: Message, extras?: CallbackExtras) =>
    calls.push({ sid: m.sid, status: m.status, ...(extras && { extras }) });
  const callbacks: StatusCallbacks = Object.assign(
    (_tx: Store, m: Message, _now: number, extras?: CallbackExtras) => {
      record(m, extras);
      return Promise.resolve();
    },
    {
      many: (_tx: Store, items: ReadonlyArray<{ message: Message; extras?: CallbackExtras }>) => {
        for (const i of items) record(i.message, i.extras);
        return Promise.resolve();
      },
    },
  );
  const carrier = simulatorCarrier(network);
  const deps = { store, clock, carrier, prices: DEFAULT_PRICES, callbacks };
  return { clock, calls, carrier, deps };
}

const queue = async (store: Store, clock: ManualClock, to: string) => {
  const message = messageRecord(ACCOUNT, {
    from: '+14155552345',
    to,
    dateCreated: clock.now(),
    dateUpdated: clock.now(),
  });
  await store.messages.insertMany([
    { message, outbox: { kind: 'dispatch' as const, runAt: clock.now() } },
  ]);
  return message.sid;
};

const statuses = async (store: Store, sid: string) =>
  (await store.messages.history(sid)).map((e) => e.status);

describe('immediate delivery reports', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(() => store.close());

  it('batch dispatch: delivered and undelivered at once; no-dlr and delayed wait', async () => {
    const { clock, calls, deps } = await setup(store);
    const pipeline = createPipeline({ ...deps, owner: 'immediate' });
    const delivered = await queue(store, clock, '+14155551234');
    const undelivered = await queue(store, clock, UNDELIVERED);
    const noDlr = await queue(store, clock, NO_DLR);
    const delayed = await queue(store, clock, DELAYED);
    // The dispatch batch alone (no report jobs run): the immediate reports are applied in it.
    const jobs = await store.outbox.claim({
      kinds: ['dispatch'],
      owner: 'batch',
      now: clock.now(),
      limit: 10,
      leaseMs: 60_000,
    });
    expect(jobs).toHaveLength(4);
    const handler = dispatchHandler(deps);
    expect(await handler.batch?.(jobs, { owner: 'batch' })).toEqual(new Map());

    expect(await statuses(store, delivered)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(await statuses(store, undelivered)).toEqual([
      'queued',
      'sending',
      'sent',
      'undelivered',
    ]);
    expect(await store.messages.findBySid(undelivered)).toMatchObject({
      errorCode: 30005,
      errorMessage: 'Unknown destination handset',
    });
    expect(await statuses(store, noDlr)).toEqual(['queued', 'sending', 'sent']);
    expect(await statuses(store, delayed)).toEqual(['queued', 'sending', 'sent']);
    // Only the delayed report became a job; the one sim delivery per message stays.
    expect(await store.outbox.count(['sim-dlr'])).toBe(1);
    for (const sid of [delivered, undelivered, noDlr, delayed]) {
      expect(await store.sim.get(sid)).toBeDefined();
    }
    const of = (sid: string) => calls.filter((c) => c.sid === sid);
    expect(of(delivered).map((c) => c.status)).toEqual(['sending', 'sent', 'delivered']);
    expect(of(delivered).at(-1)?.extras?.rawDlrDoneDate).toMatch(/^\d{10}$/);
    expect(of(undelivered).map((c) => c.status)).toEqual(['sending', 'sent', 'undelivered']);

    clock.advance(500);
    await pipeline.runDue();
    expect(await statuses(store, delayed)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(await store.outbox.count(['sim-dlr'])).toBe(0);
  });

  it('per-job dispatch applies the report in the same transaction too', async () => {
    const { clock, calls, deps } = await setup(store);
    const sid = await queue(store, clock, '+14155554321');
    const [job] = await store.outbox.claim({
      kinds: ['dispatch'],
      owner: 'single',
      now: clock.now(),
      limit: 1,
      leaseMs: 60_000,
    });
    expect(job?.ref).toBe(sid);
    await dispatchHandler(deps)(job!);
    expect(await statuses(store, sid)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(calls.map((c) => c.status)).toEqual(['sending', 'sent', 'delivered']);
    expect(calls.at(-1)?.extras?.rawDlrDoneDate).toMatch(/^\d{10}$/);
    expect(await store.outbox.count(['sim-dlr'])).toBe(0);
  });

  it('a repeated submit of the same message carries no second report', async () => {
    const { clock, carrier } = await setup(store);
    const message = messageRecord(ACCOUNT, { sid: randomSid('SM'), status: 'sending' });
    const submission = { message, body: 'hi', mediaUrls: [], numSegments: 1 };
    const first = await store.transaction((tx) => carrier.submit(tx, submission, clock.now()));
    const again = await store.transaction((tx) => carrier.submit(tx, submission, clock.now()));
    expect(first).toMatchObject({ ok: true, report: { status: 'delivered' } });
    expect(again).toEqual({ ok: true, ref: `SIM${message.sid.slice(2)}` });
  });
});
