import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { StatusCallbacks } from '../../src/delivery/lifecycle.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import { createPipeline, type Pipeline } from '../../src/delivery/pipeline.js';
import { withJobHandOff } from '../../src/jobs/handoff.store.js';
import type { BatchHandler, JobHandler } from '../../src/jobs/job.js';
import type { Message } from '../../src/store/records.js';
import type { OutboxJob, Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// The delivery pipeline of the process that accepts a message takes its job from memory (the
// job is stored leased to it), and so does its webhook runner with the jobs the handlers queue
// (status callbacks, a chain's next webhook): without, every create batch, delivery batch and
// webhook wave cost claim queries.
const ACCOUNT = 'AC' + 'f3'.repeat(16);

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/**
 * A pipeline over a store that counts claim queries by kind, its handlers on the store wrapped
 * for hand-off. With `callbacks`, each message queues a webhook job; webhook jobs with a `next`
 * payload queue one more (a chain), and `ran` lists the refs the webhook runner ran. A
 * `perJobWebhooks` runner has no batch form, so its jobs cannot be handed over.
 */
function pipeline(owner: string, opts: { callbacks?: boolean; perJobWebhooks?: boolean } = {}) {
  const { store: counted, claims } = countingClaims(store);
  const built: { p?: Pipeline } = {};
  const handlers = withJobHandOff(counted, () => built.p?.router);
  const ran: string[] = [];
  const queue = (tx: Store, ref: string, payload: Record<string, unknown>) =>
    tx.outbox.enqueue([{ kind: 'webhook', ref, payload, runAt: Date.now() }]);
  const callbacks: StatusCallbacks = Object.assign(
    async (tx: Store, m: Message) => {
      if (opts.callbacks && m.status === 'delivered') await queue(tx, m.sid, { next: true });
    },
    {
      many: async (tx: Store, items: ReadonlyArray<{ message: Message }>) => {
        for (const { message } of items) await callbacks(tx, message, 0);
      },
    },
  );
  const one = async (job: OutboxJob) => {
    ran.push(`${job.ref}${job.payload['next'] ? '' : ':next'}`);
    if (job.payload['next']) await handlers.transaction((tx) => queue(tx, job.ref, {}));
  };
  const batch: BatchHandler = async (jobs, { owner: lease }) => {
    for (const job of jobs) await one(job);
    await handlers.outbox.completeMany(
      jobs.map((j) => j.id),
      lease,
    );
    return new Map();
  };
  const single: JobHandler = async (job) => (await one(job), { done: true });
  const webhook: JobHandler = opts.perJobWebhooks ? single : Object.assign(single, { batch });
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
  built.p = p;
  return { p, claims, ran, handlers };
}

/** Stores a message as the Messages service does: leased when the pipeline takes it. */
async function create(p: Pipeline) {
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

/** Runs `fn` on a started pipeline, after the start-up claims of every loop, then stops it. */
async function started(t: ReturnType<typeof pipeline>, fn: () => Promise<void>) {
  t.p.start();
  try {
    await new Promise((r) => setTimeout(r, 300));
    t.claims.length = 0;
    await fn();
  } finally {
    await t.p.stop();
  }
}

it('a delivering process takes its new messages from memory: no claim query', async () => {
  const t = pipeline('handoff-quiet');
  // Not started (an API-only process): no lease, the job waits to be claimed.
  expect(t.p.lease?.({ kind: 'dispatch', runAt: Date.now() })).toBeUndefined();
  await started(t, async () => {
    for (let i = 0; i < 5; i++) {
      const { message, leased } = await create(t.p);
      expect(leased).toBe(true);
      await delivered(message.sid);
    }
    // Five messages delivered without a claim query: neither dispatch nor webhook.
    expect(t.claims).toEqual([]);
  });
});

it('webhook jobs queued by delivery and by webhooks reach the webhook runner from memory', async () => {
  const t = pipeline('handoff-callbacks', { callbacks: true });
  await started(t, async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await create(t.p)).message.sid);
    const want = sids.flatMap((sid) => [sid, `${sid}:next`]).sort();
    await until(() => (t.ran.length >= want.length ? true : undefined), 5_000);
    expect([...t.ran].sort()).toEqual(want);
    expect(t.claims).toEqual([]);
    // Every job is settled by its owner: nothing left behind. A job's row goes once its work
    // ends, which may be just after the handler has recorded its run (background work).
    await until(
      async () => ((await store.outbox.count(['webhook', 'dispatch'])) === 0 ? true : undefined),
      5_000,
    );
  });
});

it('a job stored unleased wakes its runner for a claim', async () => {
  // No batch form: the webhook runner cannot take jobs from memory, so they are claimed.
  const t = pipeline('handoff-unleased', { callbacks: true, perJobWebhooks: true });
  await started(t, async () => {
    const { message } = await create(t.p);
    // Polls are a minute apart: only the router's wake-up gets both jobs claimed in time.
    await until(() => (t.ran.length >= 2 ? true : undefined), 5_000);
    expect(t.ran).toEqual([message.sid, `${message.sid}:next`]);
    expect(t.claims).toContain('webhook');
    expect(t.claims).not.toContain('dispatch');
  });
});

it("a message stored through the handlers' store unleased (a TwiML reply) wakes delivery", async () => {
  const t = pipeline('handoff-reply');
  await started(t, async () => {
    const now = Date.now();
    const reply = messageRecord(ACCOUNT, { from: '+14155552345', dateCreated: now });
    await t.handlers.transaction((tx) =>
      tx.messages.insert(reply, { kind: 'dispatch', runAt: now }),
    );
    // Polls are a minute apart: only the announcement after the commit gets it sent in time.
    await delivered(reply.sid);
    expect(t.claims).toContain('dispatch');
  });
});
