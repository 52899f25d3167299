import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { BatchHandler, JobHandler } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { OutboxJob, Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// A job stored leased to the runner of the process that accepted it is handed over in memory:
// it runs with no claim query, nobody else can take it meanwhile, and a runner that stops gives
// its lease back.
const ACCOUNT = 'AC' + 'e2'.repeat(16);

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/** A runner whose `dispatch` batches finish their jobs after `gate` opens; claims are counted. */
function setup(opts: { batchSize?: number; owner: string }) {
  const seen: OutboxJob[] = [];
  const claims: string[] = [];
  let open: () => void = () => undefined;
  let gate = Promise.resolve();
  const batch: BatchHandler = async (jobs, { owner }) => {
    seen.push(...jobs);
    await gate;
    await store.transaction((tx) =>
      tx.outbox.completeMany(
        jobs.map((j) => j.id),
        owner,
      ),
    );
    return new Map();
  };
  const handler: JobHandler = Object.assign(async () => ({ done: true }) as const, { batch });
  const claim = store.outbox.claim.bind(store.outbox);
  const counted: Store = {
    ...store,
    outbox: { ...store.outbox, claim: (a) => (claims.push(...a.kinds), claim(a)) },
  };
  const runner = new JobRunner({
    store: counted,
    clock: systemClock,
    handlers: { dispatch: handler },
    owner: opts.owner,
    batchSize: opts.batchSize ?? 16,
    pollMs: 60_000,
  });
  return {
    runner,
    seen,
    claims,
    hold: () => (gate = new Promise<void>((r) => (open = r))),
    release: () => open(),
  };
}

/** Stores a message whose dispatch job is leased to `runner`; returns the job as handed over. */
async function accepted(runner: JobRunner): Promise<OutboxJob> {
  const now = Date.now();
  const lease = runner.lease('dispatch', now);
  expect(lease).toBeDefined();
  const message = messageRecord(ACCOUNT, { dateCreated: now, dateUpdated: now });
  const [stored] = await store.messages.insertMany([
    { message, outbox: { kind: 'dispatch', runAt: now, ...(lease && { lease }) } },
  ]);
  const id = stored?.jobId as number;
  return { id, kind: 'dispatch', ref: message.sid, payload: {}, runAt: now, attempts: 0 };
}

const otherClaim = (now = Date.now()) =>
  store.outbox.claim({ kinds: ['dispatch'], owner: 'other', now, limit: 1000, leaseMs: 1000 });

it('a handed-over job runs at once with no claim query, and is nobody else’s meanwhile', async () => {
  const t = setup({ owner: 'handoff-1' });
  t.runner.start();
  try {
    await until(() => (t.claims.length > 0 ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    const before = t.claims.length;
    t.hold();
    const job = await accepted(t.runner);
    t.runner.handOff([job]);
    expect(await until(() => t.seen.find((j) => j.id === job.id))).toEqual(job);
    // Running here and still leased: another worker cannot claim it.
    expect((await otherClaim()).map((j) => j.id)).not.toContain(job.id);
    t.release();
    await until(async () => ((await store.outbox.count(['dispatch'])) === 0 ? true : undefined));
    expect(t.claims.length).toBe(before);
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('lease() is only for due jobs of batch kinds while running, and stops at four waiting batches', async () => {
  const t = setup({ owner: 'handoff-2', batchSize: 2 });
  const now = Date.now();
  expect(t.runner.lease('dispatch', now)).toBeUndefined(); // not started
  t.runner.start();
  try {
    expect(t.runner.lease('dispatch', now + 60_000)).toBeUndefined(); // not due yet
    expect(t.runner.lease('webhook', now)).toBeUndefined(); // not a kind of this runner
    expect(t.runner.lease('dispatch', now)).toEqual({
      owner: 'handoff-2',
      until: expect.any(Number),
    });
    t.hold();
    const jobs: OutboxJob[] = [];
    for (let i = 0; i < 9; i++) jobs.push(await accepted(t.runner));
    t.runner.handOff(jobs.slice(0, 1));
    await until(() => (t.seen.length === 1 ? true : undefined));
    // One batch runs; 8 wait in memory: four batches of two, the most there may be.
    t.runner.handOff(jobs.slice(1));
    expect(t.runner.lease('dispatch', Date.now())).toBeUndefined();
    t.release();
    await until(() => (t.seen.length === 9 ? true : undefined));
    expect(t.runner.lease('dispatch', Date.now())).toBeDefined();
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('stop() gives back the leases of handed-over jobs it did not run', async () => {
  const t = setup({ owner: 'handoff-3', batchSize: 1 });
  t.runner.start();
  t.hold();
  const [a, b] = [await accepted(t.runner), await accepted(t.runner)];
  t.runner.handOff([a, b] as OutboxJob[]);
  await until(() => (t.seen.length === 1 ? true : undefined));
  const stopped = t.runner.stop();
  t.release();
  await stopped;
  expect(t.seen.map((j) => j.id)).toEqual([a?.id]);
  // The job left in memory is free at once, not when its lease would have run out.
  const taken = await otherClaim();
  expect(taken.map((j) => j.ref)).toEqual([b?.ref]);
  await store.outbox.completeMany(
    taken.map((j) => j.id),
    'other',
  );
});

it('runDue() runs handed-over jobs too', async () => {
  const t = setup({ owner: 'handoff-4', batchSize: 1 });
  t.runner.start();
  try {
    t.hold();
    const [a, b] = [await accepted(t.runner), await accepted(t.runner)] as OutboxJob[];
    t.runner.handOff([a, b] as OutboxJob[]);
    await until(() => (t.seen.length === 1 ? true : undefined));
    // The lane is busy with the first; the second waits in memory, leased: only a runDue()
    // that looks there finds it.
    const due = t.runner.runDue();
    t.release();
    expect(await due).toBe(1);
    expect(t.seen.map((j) => j.id)).toEqual([a?.id, b?.id]);
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('notify() wakes one of several sleeping batch lanes; a full claim wakes the next', async () => {
  const claims: number[] = [];
  const claim = store.outbox.claim.bind(store.outbox);
  const counted: Store = {
    ...store,
    outbox: { ...store.outbox, claim: (a) => (claims.push(Date.now()), claim(a)) },
  };
  let running = 0;
  let most = 0;
  const batch: BatchHandler = async (jobs, { owner }) => {
    most = Math.max(most, ++running);
    await new Promise((r) => setTimeout(r, 30));
    running--;
    await store.transaction((tx) =>
      tx.outbox.completeMany(
        jobs.map((j) => j.id),
        owner,
      ),
    );
    return new Map();
  };
  const runner = new JobRunner({
    store: counted,
    clock: systemClock,
    handlers: { lanes: Object.assign(async () => ({ done: true }) as const, { batch }) },
    owner: 'lanes',
    batchSize: 4,
    batchLanes: 4,
    pollMs: 60_000,
  });
  runner.start();
  try {
    await until(() => (claims.length >= 4 ? true : undefined));
    await new Promise((r) => setTimeout(r, 50));
    claims.length = 0;
    runner.notify();
    await new Promise((r) => setTimeout(r, 100));
    expect(claims).toHaveLength(1); // not one per lane
    // A backlog: 12 jobs, batches of 4. Each full claim wakes another lane to claim with it.
    const now = Date.now();
    await store.outbox.enqueue(
      Array.from({ length: 12 }, (_, i) => ({ kind: 'lanes', ref: `J${i}`, runAt: now })),
    );
    runner.notify();
    await until(async () => ((await store.outbox.count(['lanes'])) === 0 ? true : undefined));
    expect(most).toBeGreaterThan(1); // lanes worked side by side
  } finally {
    await runner.stop();
  }
});
