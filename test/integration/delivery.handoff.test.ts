import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { StatusCallbacks } from '../../src/delivery/lifecycle.js';
import { createPipeline } from '../../src/delivery/pipeline.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import type { JobHandler } from '../../src/jobs/job.js';
import type { Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// The delivery pipeline of the process that accepts a message takes its job from memory (the
// job is stored leased to it), and wakes the webhook runner only when delivery queued status
// callbacks: with neither, every create batch and every delivery batch cost claim queries.
const ACCOUNT = 'AC' + 'f3'.repeat(16);

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/** A pipeline over a store that counts claim queries by kind; `queued` is what callbacks say. */
function pipeline(owner: string, queued: boolean) {
  const { store: counted, claims } = countingClaims(store);
  const callbacks: StatusCallbacks = Object.assign(async () => queued, {
    many: async () => queued,
  });
  const webhook: JobHandler = async () => ({ done: true });
  const p = createPipeline({
    store: counted,
    clock: systemClock,
    carrier: simulatorCarrier(new SimNetwork({ deliveryDelayMs: 0, seed: owner })),
    prices: DEFAULT_PRICES,
    callbacks,
    extraHandlers: { webhook },
    owner,
    // Only wake-ups make claims here, not polls.
    pollMs: 60_000,
  });
  return { p, claims };
}

/** Stores a message as the Messages service does: leased when the pipeline takes it. */
async function create(p: ReturnType<typeof pipeline>['p']) {
  const now = Date.now();
  const outbox = { kind: 'dispatch' as const, runAt: now };
  const lease = p.lease?.(outbox);
  const message = messageRecord(ACCOUNT, {
    from: '+14155552345',
    dateCreated: now,
    dateUpdated: now,
  });
  const [stored] = await store.messages.insertMany([
    { message, outbox: lease ? { ...outbox, lease } : outbox },
  ]);
  p.accepted(message, stored?.job);
  return { message, leased: lease !== undefined };
}

const delivered = (sid: string) =>
  until(async () => {
    const m = await store.messages.findBySid(sid);
    return m?.status === 'delivered' ? m : undefined;
  }, 5_000);

it('a delivering process takes its new messages from memory, and wakes webhooks only for callbacks', async () => {
  const quiet = pipeline('handoff-quiet', false);
  // Not started (an API-only process): no lease, the job waits to be claimed.
  expect(quiet.p.lease?.({ kind: 'dispatch', runAt: Date.now() })).toBeUndefined();
  quiet.p.start();
  try {
    // Let the start-up claims of every loop pass.
    await new Promise((r) => setTimeout(r, 300));
    quiet.claims.length = 0;
    for (let i = 0; i < 5; i++) {
      const { message, leased } = await create(quiet.p);
      expect(leased).toBe(true);
      await delivered(message.sid);
    }
    // Five messages delivered without a claim query: neither dispatch nor webhook.
    expect(quiet.claims).toEqual([]);
  } finally {
    await quiet.p.stop();
  }

  const loud = pipeline('handoff-loud', true);
  loud.p.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    loud.claims.length = 0;
    const { message } = await create(loud.p);
    await delivered(message.sid);
    // Callbacks were queued: the webhook runner looks for them.
    expect(await until(() => (loud.claims.includes('webhook') ? true : undefined), 5_000)).toBe(
      true,
    );
    expect(loud.claims).not.toContain('dispatch');
  } finally {
    await loud.p.stop();
  }
});
