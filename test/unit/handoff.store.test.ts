import { afterAll, beforeAll, expect, it } from 'vitest';
import { withJobHandOff, type JobRouter } from '../../src/jobs/handoff.store.js';
import type { NewOutboxJob, OutboxJob, Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';

// withJobHandOff: which jobs a router gets leased, what it hears after the commit, and nothing
// after a rollback.
let store: Store;
beforeAll(async () => {
  store = await openTestStore();
});
afterAll(() => store.close());

/** A router that leases `kind` jobs due now while fewer than `room` are granted and not handed. */
function router(kind: string, room: number) {
  const heard: { handed: OutboxJob[]; stored: NewOutboxJob[] }[] = [];
  const asked: number[] = [];
  const r: JobRouter = {
    lease(k, runAt, already) {
      asked.push(already);
      if (k !== kind || runAt > Date.now() || already >= room) return undefined;
      return { owner: `router-${kind}`, until: Date.now() + 60_000 };
    },
    committed: (handed, stored) => void heard.push({ handed: [...handed], stored: [...stored] }),
  };
  return { r, heard, asked };
}

const jobs = (kind: string, n: number, runAt = Date.now()): NewOutboxJob[] =>
  Array.from({ length: n }, (_, i) => ({ kind, ref: `${kind}-${i}-${Math.random()}`, runAt }));

/** Claims every due job of `kind` as another worker, gives the leases back; their refs. */
async function claimable(kind: string): Promise<string[]> {
  const got = await store.outbox.claim({
    kinds: [kind],
    owner: 'other',
    now: Date.now(),
    limit: 1000,
    leaseMs: 1000,
  });
  await store.outbox.releaseAll('other');
  return got.map((j) => j.ref);
}

it('leases up to the router bound per call, stores the rest unleased, and reports after the commit', async () => {
  const t = router('hook-a', 2);
  const s = withJobHandOff(store, () => t.r);
  const batch = jobs('hook-a', 5);
  await s.transaction(async (tx) => {
    await tx.outbox.enqueue(batch);
    // Nothing said before the commit.
    expect(t.heard).toEqual([]);
  });
  // The bound saw the leases granted earlier in the same call.
  expect(t.asked).toEqual([0, 1, 2, 2, 2]);
  expect(t.heard).toHaveLength(1);
  const [{ handed, stored }] = t.heard as [(typeof t.heard)[0]];
  expect(handed.map((j) => j.ref)).toEqual(batch.slice(0, 2).map((j) => j.ref));
  expect(handed.every((j) => j.id > 0 && j.attempts === 0 && j.kind === 'hook-a')).toBe(true);
  expect(stored.map((j) => j.ref)).toEqual(batch.slice(2).map((j) => j.ref));
  // Only the unleased ones are anyone's to claim.
  expect((await claimable('hook-a')).sort()).toEqual(stored.map((j) => j.ref).sort());
  await store.outbox.completeMany(handed.map((j) => j.id));
});

it('outside a transaction: reported after the enqueue commits; rolled back: never', async () => {
  const t = router('hook-b', 10);
  const s = withJobHandOff(store, () => t.r);
  await s.outbox.enqueue([...jobs('hook-b', 1), ...jobs('hook-b', 1, Date.now() + 60_000)]);
  expect(t.heard.map((h) => [h.handed.length, h.stored.length])).toEqual([[1, 1]]);
  await expect(
    s.transaction(async (tx) => {
      await tx.outbox.enqueue(jobs('hook-b', 2));
      throw new Error('boom');
    }),
  ).rejects.toThrow('boom');
  expect(t.heard).toHaveLength(1);
  // No router: a plain enqueue, nothing leased.
  const plain = withJobHandOff(store, () => undefined);
  const lone = jobs('hook-c', 1);
  await plain.outbox.enqueue(lone);
  expect(await claimable('hook-c')).toEqual([lone[0]?.ref]);
});

it('a message stored unleased through it is announced; one stored leased is not', async () => {
  const t = router('dispatch-x', 0);
  const s = withJobHandOff(store, () => t.r);
  const ac = 'AC' + 'd4'.repeat(16);
  const m = messageRecord(ac);
  await s.messages.insert(m, { kind: 'dispatch', runAt: 1 });
  const leased = messageRecord(ac);
  await s.messages.insertMany([
    { message: leased, outbox: { kind: 'dispatch', runAt: 1, lease: { owner: 'x', until: 2 } } },
  ]);
  expect(t.heard).toEqual([{ handed: [], stored: [{ kind: 'dispatch', runAt: 1, ref: m.sid }] }]);
});
