import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { BatchHandler, JobHandler } from '../../src/jobs/job.js';
import { JobRunner, Waker } from '../../src/jobs/runner.js';
import type { OutboxJob, Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';
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
function setup(opts: { batchSize?: number; batchLanes?: number; owner: string; pollMs?: number }) {
  const seen: OutboxJob[] = [];
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
  // A kind without a batch form, as retention is: its own loop, which hand-offs must not spin.
  const housekeeping: JobHandler = async () => ({ done: true });
  const { store: counted, claims } = countingClaims(store);
  const runner = new JobRunner({
    store: counted,
    clock: systemClock,
    handlers: { dispatch: handler, housekeeping },
    owner: opts.owner,
    batchSize: opts.batchSize ?? 16,
    batchLanes: opts.batchLanes ?? 1,
    pollMs: opts.pollMs ?? 60_000,
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
  return stored?.job as OutboxJob;
}

/** Another worker claims the dispatch jobs it can and finishes them at once. */
async function otherClaim(): Promise<OutboxJob[]> {
  const now = Date.now();
  const taken = await store.outbox.claim({
    kinds: ['dispatch'],
    owner: 'other',
    now,
    limit: 1000,
    leaseMs: 1000,
  });
  await store.outbox.completeMany(
    taken.map((j) => j.id),
    'other',
  );
  return taken;
}

/** Waits until another worker's claim takes some dispatch job; those jobs. */
const claimedByOther = (ms?: number) =>
  until(async () => {
    const taken = await otherClaim();
    return taken.length > 0 ? taken : undefined;
  }, ms);

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

it('lease() is only for due jobs of batch kinds while running, and stops at a batch waiting', async () => {
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
    for (let i = 0; i < 3; i++) jobs.push(await accepted(t.runner));
    t.runner.handOff(jobs.slice(0, 1));
    await until(() => (t.seen.length === 1 ? true : undefined));
    // One batch runs; 2 wait in memory: a batch, the most there may be.
    const claimed = t.claims.length;
    t.runner.handOff(jobs.slice(1));
    expect(t.runner.lease('dispatch', Date.now())).toBeUndefined();
    // While they wait, no loop claims over and over: the lane is busy, and the other loop, woken
    // once, claims once and sleeps again (hand-offs are not its work).
    await new Promise((r) => setTimeout(r, 50));
    expect(t.claims.length).toBe(claimed);
    t.runner.notify();
    await new Promise((r) => setTimeout(r, 100));
    expect(t.claims.slice(claimed).filter((k) => k === 'housekeeping')).toHaveLength(1);
    t.release();
    await until(() => (t.seen.length === 3 ? true : undefined));
    expect(t.runner.lease('dispatch', Date.now())).toBeDefined();
    expect(t.seen.map((j) => j.ref).sort()).toEqual(jobs.map((j) => j.ref).sort());
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('stop() gives back the leases of handed-over jobs it did not run', async () => {
  const t = setup({ owner: 'handoff-3', batchSize: 1 });
  t.runner.start();
  try {
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
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('leases granted together past the bound: the surplus goes back to the database', async () => {
  const t = setup({ owner: 'handoff-5', batchSize: 1 });
  t.runner.start();
  try {
    t.hold();
    // Three leases at once (as one group commit would take them); the bound is a batch of one.
    const jobs: OutboxJob[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await accepted(t.runner));
    t.runner.handOff(jobs.slice(0, 1));
    await until(() => (t.seen.length === 1 ? true : undefined));
    t.runner.handOff(jobs.slice(1));
    // One waits in memory; the newest is released at once: claimable by anyone.
    const surplus = await claimedByOther();
    expect(surplus.map((j) => j.ref)).toEqual([jobs[2]?.ref]);
    t.release();
    await until(() => (t.seen.length === 2 ? true : undefined));
    expect(t.seen.map((j) => j.ref)).toEqual(jobs.slice(0, 2).map((j) => j.ref));
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('a sleep ended by its timer leaves the loop awake (notify() picks only lanes asleep)', async () => {
  const w = new Waker(systemClock);
  const timed = w.sleep(5);
  expect(w.sleeping).toBe(true);
  await timed;
  expect(w.sleeping).toBe(false);
  const woken = w.sleep(60_000);
  w.poke();
  await woken;
  expect(w.sleeping).toBe(false);
});

it('notify() wakes one of several sleeping batch lanes; a full claim wakes the next', async () => {
  const { store: counted, claims } = countingClaims(store);
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
