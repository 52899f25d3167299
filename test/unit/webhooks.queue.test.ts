import { afterAll, beforeAll, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { WebhookQueue } from '../../src/webhooks/webhooks.queue.js';
import { until } from '../support/until.js';

// stop() wakes the lanes asleep; a lane whose claim was still running then must not go to
// sleep for a whole poll interval (a minute here), holding the stop up (a CI timeout, under
// load, of the pipeline tests that stop in their `finally`).

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

it('stop() does not wait for the poll of a lane whose claim was running', async () => {
  let claims = 0;
  let answer: () => void = () => undefined;
  const held = new Promise<void>((r) => (answer = r));
  const claim = store.webhooks.claim.bind(store.webhooks);
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
    clock: systemClock,
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
});
