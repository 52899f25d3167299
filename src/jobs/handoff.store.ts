import type { NewOutboxJob, OutboxJob, OutboxLease, Store } from '../store/store.js';

/** Where the jobs enqueued through {@link withJobHandOff} go: the runners of this process. */
export interface JobRouter {
  /**
   * A lease for a new job of `kind` due at `runAt`, when a runner here will take the job from
   * memory after the commit; undefined when it is to be stored unleased and claimed.
   */
  lease(kind: string, runAt: number): OutboxLease | undefined;
  /**
   * After the commit: the jobs stored leased, to hand over, and those stored unleased, whose
   * runners may have to be woken to claim them.
   */
  committed(handed: readonly OutboxJob[], stored: readonly NewOutboxJob[]): void;
}

/**
 * `store` whose `outbox.enqueue` stores each job leased to a local runner when the router grants
 * it, and gives the router the jobs after the enclosing transaction commits (at once outside
 * one): a webhook job queued by a delivery batch, or the next callback of a chain queued when
 * the one before it settles, runs without a claim query. The dispatch job of a message stored
 * through it unleased (a TwiML reply) is announced the same way, so its runner wakes. `router`
 * is read on every call, so the store can be built before the runners it feeds.
 */
export function withJobHandOff(store: Store, router: () => JobRouter | undefined): Store {
  const wrap = (s: Store): Store => ({
    ...s,
    outbox: { ...s.outbox, enqueue: (jobs) => enqueue(s, jobs) },
    messages: {
      ...s.messages,
      async insert(message, outbox) {
        const stored = await s.messages.insert(message, outbox);
        if (outbox && !outbox.lease) announce(s, [{ ...outbox, ref: message.sid }]);
        return stored;
      },
      async insertMany(items) {
        const stored = await s.messages.insertMany(items);
        announce(
          s,
          items.flatMap(({ message, outbox }) =>
            outbox && !outbox.lease ? [{ ...outbox, ref: message.sid }] : [],
          ),
        );
        return stored;
      },
    },
    transaction: (fn) => s.transaction((tx) => fn(wrap(tx))),
  });

  /** Tells the router, after the commit, of jobs stored unleased (a reply's dispatch job). */
  function announce(s: Store, stored: NewOutboxJob[]): void {
    const r = router();
    if (r && stored.length > 0) s.afterCommit(() => r.committed([], stored));
  }

  async function enqueue(s: Store, jobs: NewOutboxJob[]): Promise<void> {
    const r = router();
    if (!r || jobs.length === 0) return s.outbox.enqueue(jobs);
    const stored: NewOutboxJob[] = [];
    // Jobs of one runner share its lease; a call rarely mixes kinds of different runners.
    const leased = new Map<string, { lease: OutboxLease; jobs: NewOutboxJob[] }>();
    for (const job of jobs) {
      const lease = r.lease(job.kind, job.runAt);
      if (!lease) stored.push(job);
      else if (leased.has(lease.owner)) leased.get(lease.owner)?.jobs.push(job);
      else leased.set(lease.owner, { lease, jobs: [job] });
    }
    await s.transaction(async (tx) => {
      if (stored.length > 0) await tx.outbox.enqueue(stored);
      const handed: OutboxJob[] = [];
      for (const group of leased.values()) {
        handed.push(...(await tx.outbox.enqueueLeased(group.jobs, group.lease)));
      }
      tx.afterCommit(() => r.committed(handed, stored));
    });
  }

  return wrap(store);
}
