import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { JobHandler } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';

// Every API request calls notify(): a burst of them must not turn into one claim query each.

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

it('a burst of notify() calls costs a bounded number of claim queries', async () => {
  const { store: counted, claims } = countingClaims(store);
  const handler: JobHandler = () => Promise.resolve({ done: true });
  const runner = new JobRunner({
    store: counted,
    clock: systemClock,
    handlers: { noop: handler },
    owner: 'test',
    pollMs: 1_000,
  });
  runner.start();
  try {
    // 200 wake-ups over about 100-200 ms, as 200 creates would make.
    const start = performance.now();
    for (let i = 0; i < 200; i++) {
      runner.notify();
      await new Promise((r) => setTimeout(r, 0.5));
    }
    // With a 10 ms gap between claims: about one per 10 ms of the burst, not one per notify().
    // Bounded by the burst's own length, which a loaded host stretches.
    const elapsed = performance.now() - start;
    expect(claims.length).toBeGreaterThan(0);
    expect(claims.length).toBeLessThanOrEqual(Math.ceil(elapsed / 10) + 5);
    expect(claims.length).toBeLessThan(100);
  } finally {
    await runner.stop();
  }
});
