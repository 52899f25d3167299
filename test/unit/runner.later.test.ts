import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { JobHandler, JobOutcome } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// Work a handler hands to the background (`Later`, a request to a slow destination) holds none
// of the runner's slots: other jobs run meanwhile, and the job stays leased until it ends.

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

it('runs other jobs while background work goes on, and settles the job when it ends', async () => {
  let release!: (o: JobOutcome) => void;
  const background = new Promise<JobOutcome>((r) => (release = r));
  const ran: string[] = [];
  const handler: JobHandler = (job) => {
    ran.push(job.ref);
    return Promise.resolve(job.ref === 'slow' ? { later: background } : { done: true });
  };
  // One slot: a slow job holding it would keep the fast ones waiting.
  const runner = new JobRunner({
    store,
    clock: systemClock,
    handlers: { later: handler },
    owner: 'later-test',
    concurrency: 1,
    leaseMs: 1_000,
    pollMs: 20,
  });
  const now = systemClock.now();
  await store.outbox.enqueue([
    { kind: 'later', ref: 'slow', runAt: now - 1 },
    ...['a', 'b', 'c'].map((ref) => ({ kind: 'later', ref, runAt: now })),
  ]);
  runner.start();
  try {
    // The fast jobs ran and were completed; only the slow one is left, still leased.
    await until(async () => ((await store.outbox.count(['later'])) === 1 ? true : undefined));
    expect(ran.sort()).toEqual(['a', 'b', 'c', 'slow']);
    // Past its first lease (1 s): renewed while the work goes on, nobody else can take it.
    await new Promise((r) => setTimeout(r, 1_200));
    const other = await store.outbox.claim({
      kinds: ['later'],
      owner: 'someone-else',
      now: systemClock.now(),
      limit: 10,
      leaseMs: 1_000,
    });
    expect(other).toEqual([]);
    expect(ran.filter((r) => r === 'slow')).toHaveLength(1);
    release({ done: true });
    await until(async () => ((await store.outbox.count(['later'])) === 0 ? true : undefined));
  } finally {
    await runner.stop();
  }
});

it('stop() calls off background work that has not started and waits for the rest', async () => {
  let signal: AbortSignal | undefined;
  const handler: JobHandler = (_job, ctx) => {
    signal = ctx?.signal;
    // Work that waits for a slot until the runner stops, then gives the job back.
    const later = new Promise<JobOutcome>((resolve) =>
      ctx?.signal?.addEventListener('abort', () => resolve({ retryAt: systemClock.now() })),
    );
    return Promise.resolve({ later });
  };
  const runner = new JobRunner({
    store,
    clock: systemClock,
    handlers: { parked: handler },
    owner: 'parked-test',
    pollMs: 20,
  });
  await store.outbox.enqueue([{ kind: 'parked', ref: 'p', runAt: systemClock.now() }]);
  runner.start();
  await until(() => signal);
  expect(signal?.aborted).toBe(false);
  await runner.stop();
  expect(signal?.aborted).toBe(true);
  // Given back, due at once, one attempt counted: another worker takes it now.
  const back = await store.outbox.claim({
    kinds: ['parked'],
    owner: 'next',
    now: systemClock.now(),
    limit: 10,
    leaseMs: 1_000,
  });
  expect(back.map((j) => [j.ref, j.attempts])).toEqual([['p', 1]]);
  await store.outbox.complete(back[0]!.id);
});
