import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { StatusCallbacks } from '../../src/delivery/lifecycle.js';
import { createPipeline, JOBS_CHANNEL } from '../../src/delivery/pipeline.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import type { Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// Who announces a new message on the store's signals. A process that delivers wakes its own
// runner and sends nothing (one NOTIFY per create batch on PostgreSQL, heard back by every
// runner here, cost more queries than the messages); an API-only process (WORKERS=off, its
// pipeline never started) signals the processes that deliver, where the store has several.
// Only a store with signals between processes (PostgreSQL's LISTEN/NOTIFY) can tell the two
// apart; on SQLite and PGlite the test checks that nothing is signalled at all. Signals sent
// are recorded where the pipeline sends them (what was heard is checked too where it must
// arrive), and the runner waits on a manual clock that the test moves on.
const ACCOUNT = 'AC' + 'd1'.repeat(16);

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

it('an accepted message signals other processes only from a process that does not deliver', async () => {
  const clock = new ManualClock(Date.UTC(2025, 6, 1));
  const callbacks: StatusCallbacks = Object.assign(() => Promise.resolve(), {
    many: () => Promise.resolve(),
  });
  // The jobs signals the pipelines send, as they send them (a NOTIFY is heard later, or never).
  const sent: string[] = [];
  const signals = store.signals;
  const recording: Store = {
    ...store,
    ...(signals && {
      signals: {
        ...signals,
        publish: (channel: string) => {
          if (channel === JOBS_CHANNEL) sent.push(channel);
          signals.publish(channel);
        },
      },
    }),
  };
  const deps = {
    store: recording,
    clock,
    carrier: simulatorCarrier(new SimNetwork({ deliveryDelayMs: 0, seed: 'signals' })),
    prices: DEFAULT_PRICES,
    callbacks,
  };
  const queued = async () => {
    const message = messageRecord(ACCOUNT, {
      from: '+14155552345',
      dateCreated: clock.now(),
      dateUpdated: clock.now(),
    });
    await store.messages.insertMany([
      { message, outbox: { kind: 'dispatch', runAt: clock.now() } },
    ]);
    return message;
  };
  let heard = 0;
  const off = await store.signals?.subscribe(JOBS_CHANNEL, () => heard++);
  try {
    // API-only: nothing here delivers.
    const apiOnly = createPipeline({ ...deps, owner: 'api-only' });
    const first = await queued();
    apiOnly.accepted(first);
    if (store.capabilities.multiProcess && store.signals) {
      expect(sent).toHaveLength(1);
      expect(await until(() => heard > 0 || undefined, 5_000)).toBe(true);
    } else {
      expect(sent).toEqual([]);
    }

    // Delivering: its own runner takes the message at once, and nobody else is signalled.
    const worker = createPipeline({ ...deps, owner: 'worker' });
    worker.start();
    const delivered = (sid: string) =>
      until(async () => {
        const m = await store.messages.findBySid(sid);
        return m?.status === 'delivered' ? m : undefined;
      }, 5_000);
    try {
      await delivered(first.sid); // the API-only process's message, taken by the first claim
      // The lease renewal and the batch lane asleep on the clock: the lane waits out its claim
      // gap, claims once more (nothing left), then sleeps until a wake-up or its poll.
      await clock.whenSleeping(2);
      clock.advance(10);
      await clock.whenSleeping(2);
      sent.length = 0;
      const message = await queued();
      worker.accepted(message);
      expect(sent).toEqual([]);
      clock.advance(10); // the lane, woken, claims after its gap (its poll is further off)
      await delivered(message.sid);
      expect(sent).toEqual([]);
    } finally {
      await worker.stop();
    }
  } finally {
    await off?.();
  }
});
