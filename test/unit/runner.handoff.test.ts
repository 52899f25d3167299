import { afterAll, beforeAll, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { BatchHandler, JobHandler } from '../../src/jobs/job.js';
import { JobRunner, Waker } from '../../src/jobs/runner.js';
import { MIN_CLAIM_GAP_MS } from '../../src/jobs/runner.wake.js';
import type { OutboxJob, Store } from '../../src/store/store.js';
import { countingClaims } from '../support/claims.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// A job stored leased to the runner of the process that accepted it is handed over in memory:
// it runs with no claim query, nobody else can take it meanwhile, and a runner that stops gives
// its lease back. The runner's waits are on a manual clock (started at the wall clock's time,
// so leases compare with other workers' as usual): "nothing happened" is checked once every
// loop is asleep on it, and time passes when a test says so.
const ACCOUNT = 'AC' + 'e2'.repeat(16);

let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/** Lets the runner's promise continuations and I/O callbacks run. */
const turn = () => new Promise((r) => setImmediate(r));

/**
 * A runner whose `dispatch` batches finish their jobs after `gate` opens; claims are counted.
 * Its `housekeeping` kind has a loop of its own (one per runner, besides the batch lane).
 */
function setup(opts: { batchSize?: number; owner: string }) {
  const clock = new ManualClock(Date.now());
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
  const handler: JobHandler = Object.assign(() => Promise.resolve({ done: true } as const), {
    batch,
  });
  // A kind without a batch form, as retention is: its own loop, which hand-offs must not spin.
  const housekeeping: JobHandler = () => Promise.resolve({ done: true });
  const { store: counted, claims } = countingClaims(store);
  const runner = new JobRunner({
    store: counted,
    clock,
    handlers: { dispatch: handler, housekeeping },
    owner: opts.owner,
    batchSize: opts.batchSize ?? 16,
    pollMs: 60_000,
  });
  return {
    runner,
    clock,
    seen,
    claims,
    hold: () => {
      gate = new Promise<void>((r) => (open = r));
    },
    release: () => open(),
  };
}

/**
 * Starts the runner, and waits until it is past its start-up claims (the renewal and both loops
 * asleep on the clock) and their claim gap.
 */
async function start(t: ReturnType<typeof setup>) {
  t.runner.start();
  await t.clock.whenSleeping(3);
  t.clock.advance(MIN_CLAIM_GAP_MS);
}

/** Stores a message whose dispatch job is leased to `runner`; returns the job as handed over. */
async function accepted(runner: JobRunner, clock: ManualClock): Promise<OutboxJob> {
  const now = clock.now();
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
  await start(t);
  try {
    const before = t.claims.length;
    expect(before).toBe(2);
    t.hold();
    const job = await accepted(t.runner, t.clock);
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
  const now = t.clock.now();
  expect(t.runner.lease('dispatch', now)).toBeUndefined(); // not started
  await start(t);
  try {
    expect(t.runner.lease('dispatch', now + 60_000)).toBeUndefined(); // not due yet
    expect(t.runner.lease('webhook', now)).toBeUndefined(); // not a kind of this runner
    expect(t.runner.lease('dispatch', now)).toEqual({
      owner: 'handoff-2',
      until: expect.any(Number),
    });
    t.hold();
    const jobs: OutboxJob[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await accepted(t.runner, t.clock));
    t.runner.handOff(jobs.slice(0, 1));
    await until(() => (t.seen.length === 1 ? true : undefined));
    // One batch runs; 2 wait in memory: a batch, the most there may be.
    t.runner.handOff(jobs.slice(1));
    expect(t.runner.lease('dispatch', t.clock.now())).toBeUndefined();
    // While they wait, no loop claims over and over: the lane is busy with its batch, and the
    // other loop sleeps (hand-offs are not its work), as does the renewal.
    await t.clock.whenSleeping(2);
    await turn();
    const claimed = t.claims.length;
    expect(claimed).toBe(2); // the start-up claims only
    // Woken once, the other loop claims once and sleeps again.
    t.runner.notify();
    await t.clock.whenSleeping(2);
    await turn();
    expect(t.claims.slice(claimed)).toEqual(['housekeeping']);
    t.release();
    await until(() => (t.seen.length === 3 ? true : undefined));
    expect(t.runner.lease('dispatch', t.clock.now())).toBeDefined();
    expect(t.seen.map((j) => j.ref).sort()).toEqual(jobs.map((j) => j.ref).sort());
  } finally {
    t.release();
    await t.runner.stop();
  }
});

it('stop() gives back the leases of handed-over jobs it did not run', async () => {
  const t = setup({ owner: 'handoff-3', batchSize: 1 });
  await start(t);
  try {
    t.hold();
    const [a, b] = [await accepted(t.runner, t.clock), await accepted(t.runner, t.clock)];
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
  await start(t);
  try {
    t.hold();
    // Three leases at once (as one group commit would take them); the bound is a batch of one.
    const jobs: OutboxJob[] = [];
    for (let i = 0; i < 3; i++) jobs.push(await accepted(t.runner, t.clock));
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
  const clock = new ManualClock();
  const w = new Waker(clock);
  const timed = w.sleep(5);
  expect(w.sleeping).toBe(true);
  clock.advance(4);
  await turn();
  expect(w.sleeping).toBe(true);
  clock.advance(1);
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
  const clock = new ManualClock(Date.now());
  const runner = new JobRunner({
    store: counted,
    clock,
    handlers: { lanes: Object.assign(() => Promise.resolve({ done: true } as const), { batch }) },
    owner: 'lanes',
    batchSize: 4,
    batchLanes: 4,
    pollMs: 60_000,
  });
  runner.start();
  try {
    // The renewal and the 4 lanes asleep, after their start-up claims.
    await clock.whenSleeping(5);
    expect(claims).toHaveLength(4);
    claims.length = 0;
    runner.notify();
    await clock.whenSleeping(5); // the lane woken waits out its claim gap
    clock.advance(10);
    await clock.whenSleeping(5);
    await turn();
    expect(claims).toHaveLength(1); // not one per lane
    // A backlog: 12 jobs, batches of 4. Each full claim wakes another lane to claim with it.
    const now = clock.now();
    await store.outbox.enqueue(
      Array.from({ length: 12 }, (_, i) => ({ kind: 'lanes', ref: `J${i}`, runAt: now })),
    );
    runner.notify();
    // Time goes on (the claim gaps), 10 ms of the clock per check.
    await until(async () => {
      clock.advance(10);
      return (await store.outbox.count(['lanes'])) === 0 ? true : undefined;
    });
    expect(most).toBeGreaterThan(1); // lanes worked side by side
  } finally {
    await runner.stop();
  }
});
