import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { JobHandler } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';
import { until } from '../support/until.js';

// Every API request calls notify(): a burst of them must not turn into one claim query each.
// The runner's waits are on its clock: here a manual one, so the test says when time passes.

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

/** Lets the runner's promise continuations and I/O callbacks run. */
const turn = () => new Promise((r) => setImmediate(r));

it('a burst of notify() calls costs one claim per claim gap; polls follow the clock', async () => {
  const { store: counted, claims } = countingClaims(store);
  const handler: JobHandler = () => Promise.resolve({ done: true });
  const clock = new ManualClock();
  const runner = new JobRunner({
    store: counted,
    clock,
    handlers: { noop: handler },
    owner: 'test',
    pollMs: 1_000,
  });
  // Asleep on the clock: the lease renewal and the claim loop (its poll or its claim gap).
  const asleep = () => clock.whenSleeping(2);
  runner.start();
  try {
    await asleep();
    expect(claims).toHaveLength(1); // the start-up claim
    // 200 wake-ups, as 200 creates would make, while the clock stands still: the first ends
    // the poll, and the loop then waits out the 10 ms gap since its last claim.
    for (let i = 0; i < 200; i++) {
      runner.notify();
      await turn();
    }
    await asleep();
    expect(claims).toHaveLength(1);
    clock.advance(9);
    await turn();
    expect(claims).toHaveLength(1);
    clock.advance(1);
    await until(() => (claims.length === 2 ? true : undefined), 2_000);
    await asleep();
    expect(claims).toHaveLength(2); // one claim for the whole burst
    // Nobody calls notify(): the next claim is the poll's, a second of the clock later.
    clock.advance(999);
    await turn();
    expect(claims).toHaveLength(2);
    clock.advance(1);
    await until(() => (claims.length === 3 ? true : undefined), 2_000);
  } finally {
    await runner.stop();
  }
  expect(clock.sleeping).toBe(0); // stop() ended every wait
});
