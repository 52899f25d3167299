import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store, Webhook } from '../../src/store/store.js';
import { enqueueWebhooks } from '../../src/webhooks/webhooks.enqueue.js';
import { WebhookQueue } from '../../src/webhooks/webhooks.queue.js';
import { until } from '../support/until.js';

// The queue's waits (idle polls, claim gaps, lease renewals) are on its clock: here a manual
// one, so the tests say when time passes and wait for events, never for real time.

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

/** Lets the queue's promise continuations and I/O callbacks run. */
const turn = () => new Promise((r) => setImmediate(r));
const turns = async (n = 10) => {
  for (let i = 0; i < n; i++) await turn();
};

/** `p`, or a failure naming `what` after 2 s of real time (a bound, not a wait). */
const within = <T>(p: Promise<T>, what: string): Promise<T> =>
  Promise.race([
    p,
    new Promise<never>((_, reject) =>
      setTimeout(() => reject(new Error(`not within 2 s: ${what}`)), 2_000).unref(),
    ),
  ]);

/** `store` with its webhook claims and renewals counted. */
function counting(base: Store): { store: Store; claims: () => number; renewals: () => number } {
  let claims = 0;
  let renewals = 0;
  const claim = base.webhooks.claim.bind(base.webhooks);
  const renew = base.webhooks.renew.bind(base.webhooks);
  return {
    store: {
      ...base,
      webhooks: {
        ...base.webhooks,
        claim: (a) => {
          claims++;
          return claim(a);
        },
        renew: (...a) => {
          renewals++;
          return renew(...a);
        },
      },
    },
    claims: () => claims,
    renewals: () => renewals,
  };
}

const enqueue = (orderKey: string, now: number) =>
  enqueueWebhooks(
    store,
    [
      {
        accountSid: 'AC00000000000000000000000000000000',
        orderKey,
        kind: 'status-callback',
        url: 'http://127.0.0.1:9/cb',
        method: 'POST',
        params: { K: orderKey },
      },
    ],
    now,
  );

it('stop() does not wait for the poll of a lane whose claim was running', async () => {
  // stop() wakes the lanes asleep; a lane whose claim was still running then must not go to
  // sleep for its poll (on a manual clock: forever), holding the stop up (a CI timeout, under
  // load, of the pipeline tests that stop in their `finally`).
  let claims = 0;
  let answer: () => void = () => undefined;
  const held = new Promise<void>((r) => (answer = r));
  const claim = store.webhooks.claim.bind(store.webhooks);
  const clock = new ManualClock();
  const queue = new WebhookQueue({
    store: {
      ...store,
      webhooks: {
        ...store.webhooks,
        // Every lane's first claim waits for `answer`, as a slow query would.
        claim: async (a) => {
          claims++;
          await held;
          return claim(a);
        },
      },
    },
    clock,
    send: () => Promise.resolve({ rest: Promise.resolve() }),
    owner: 'queue-stop',
    lanes: 2,
    pollMs: 60_000,
  });
  queue.start();
  await until(() => (claims === 2 ? true : undefined), 2_000);
  let stopped = false;
  const stopping = queue.stop().then(() => (stopped = true));
  answer();
  await until(() => (stopped ? true : undefined), 2_000);
  await stopping;
  expect(clock.sleeping).toBe(0); // stop() ended every wait
});

it('an idle lane polls on the clock: a webhook due without notify() waits for pollMs of it', async () => {
  const clock = new ManualClock();
  const counted = counting(store);
  const sent: Webhook[] = [];
  const queue = new WebhookQueue({
    store: counted.store,
    clock,
    send: (batch) => {
      sent.push(...batch);
      return Promise.resolve({ rest: Promise.resolve() });
    },
    owner: 'queue-poll',
    lanes: 2,
    pollMs: 1_000,
  });
  queue.start();
  try {
    // Both lanes claimed (nothing) and sleep their poll; the renewer sleeps too.
    await within(clock.whenSleeping(3), 'two lanes and the renewer asleep on the clock');
    expect(counted.claims()).toBe(2);
    // Due now, and nobody calls notify(): only the poll finds it.
    await enqueue('POLL', clock.now());
    clock.advance(999);
    await turns();
    expect(sent).toEqual([]);
    expect(counted.claims()).toBe(2);
    clock.advance(1);
    await until(() => (sent.length === 1 ? true : undefined), 2_000);
    expect(sent[0]?.orderKey).toBe('POLL');
  } finally {
    await queue.stop();
  }
  expect(clock.sleeping).toBe(0);
});

it('notify() wakes one sleeping lane, which claims after the claim gap of the clock', async () => {
  const clock = new ManualClock();
  const counted = counting(store);
  const queue = new WebhookQueue({
    store: counted.store,
    clock,
    send: () => Promise.resolve({ rest: Promise.resolve() }),
    owner: 'queue-gap',
    lanes: 2,
    pollMs: 1_000,
  });
  queue.start();
  try {
    await within(clock.whenSleeping(3), 'two lanes and the renewer asleep on the clock');
    expect(counted.claims()).toBe(2);
    // One lane wakes and waits out the 10 ms since its claim; the other sleeps on.
    queue.notify();
    await turns();
    await within(clock.whenSleeping(3), 'the woken lane asleep for its claim gap');
    expect(counted.claims()).toBe(2);
    clock.advance(9);
    await turns();
    expect(counted.claims()).toBe(2);
    clock.advance(1);
    await until(() => (counted.claims() === 3 ? true : undefined), 2_000);
    await within(clock.whenSleeping(3), 'the lane asleep again');
    await turns();
    expect(counted.claims()).toBe(3);
    // Two notify() calls in one tick wake both lanes.
    clock.advance(10);
    queue.notify();
    queue.notify();
    await until(() => (counted.claims() === 5 ? true : undefined), 2_000);
  } finally {
    await queue.stop();
  }
  expect(clock.sleeping).toBe(0);
});

it('renews the leases of a batch in flight every third of the lease, on the clock', async () => {
  const clock = new ManualClock();
  const counted = counting(store);
  let settle: () => void = () => undefined;
  const rest = new Promise<void>((r) => (settle = r));
  const sent: Webhook[] = [];
  const queue = new WebhookQueue({
    store: counted.store,
    clock,
    send: (batch) => {
      sent.push(...batch);
      return Promise.resolve({ rest });
    },
    owner: 'queue-renew',
    lanes: 1,
    leaseMs: 3_000,
    pollMs: 60_000,
  });
  const [id] = await enqueue('RENEW', clock.now());
  queue.start();
  try {
    await until(() => (sent.length === 1 ? true : undefined), 2_000);
    // The lane sleeps its poll, the renewer its 1 s.
    await within(clock.whenSleeping(2), 'the lane and the renewer asleep on the clock');
    expect(counted.renewals()).toBe(0);
    clock.advance(999);
    await turns();
    expect(counted.renewals()).toBe(0);
    clock.advance(1);
    await until(() => (counted.renewals() === 1 ? true : undefined), 2_000);
    expect((await store.webhooks.get(id!))?.runAt).toBe(clock.now() + 3_000);
  } finally {
    const stopping = queue.stop();
    // stop() waits for the batch in flight, renewing its lease meanwhile.
    await within(clock.whenSleeping(1), 'the renewer asleep while stop() waits');
    clock.advance(1_000);
    await until(() => (counted.renewals() === 2 ? true : undefined), 2_000);
    settle();
    await stopping;
  }
  expect(clock.sleeping).toBe(0);
});
