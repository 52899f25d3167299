import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { JobHandler } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';

// Every API request calls notify(): a burst of them must not turn into one claim query each.

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

it('a burst of notify() calls costs a bounded number of claim queries', async () => {
  let claims = 0;
  const claim = store.outbox.claim.bind(store.outbox);
  const counted: Store = {
    ...store,
    outbox: { ...store.outbox, claim: (args) => (claims++, claim(args)) },
  };
  const handler: JobHandler = async () => ({ done: true });
  const runner = new JobRunner({
    store: counted,
    clock: systemClock,
    handlers: { noop: handler },
    owner: 'test',
    pollMs: 1_000,
  });
  runner.start();
  try {
    // 200 wake-ups over about 100 ms, as 200 creates would make.
    for (let i = 0; i < 200; i++) {
      runner.notify();
      await new Promise((r) => setTimeout(r, 0.5));
    }
    // With a 10 ms gap between claims: about one per 10 ms, not one per notify().
    expect(claims).toBeGreaterThan(0);
    expect(claims).toBeLessThan(40);
  } finally {
    await runner.stop();
  }
});
