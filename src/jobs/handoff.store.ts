import type { NewOutboxJob, OutboxJob, OutboxLease, Store } from '../store/store.js';

/** Where the jobs enqueued through {@link withJobHandOff} go: the runners of this process. */
export interface JobRouter {
  /**
   * A lease for a new job of `kind` due at `runAt`, when a runner here will take the job from
   * memory after the commit; undefined when it is to be stored unleased and claimed. `already`:
   * leases of the same owner granted for this transaction and not handed over yet.
   */
  lease(kind: string, runAt: number, already: number): OutboxLease | undefined;
  /**
   * After the commit: the jobs stored leased, to hand over, and those stored unleased, whose
   * runners may have to be woken to claim them.
   */
  committed(handed: readonly OutboxJob[], stored: readonly NewOutboxJob[]): void;
}

/**
 * `store` whose `outbox.enqueue` stores each job leased to a local runner when the router grants
 * it, and gives the router the jobs after the enclosing transaction commits (outside one, after
 * the enqueue's own commit): a webhook job queued by a delivery batch, or the next callback of a
 * chain queued when the one before it settles, runs without a claim query. The dispatch job of a
 * message stored through it unleased (a TwiML reply) is announced the same way, so its runner
 * wakes. `router` is read on every call, so the store can be built before the runners it feeds;
 * `onError` hears of a router that threw after a commit (its jobs then wait for their leases).
 */
export function withJobHandOff(
  store: Store,
  router: () => JobRouter | undefined,
  onError?: (err: unknown) => void,
): Store {
  const wrap = (s: Store): Store => ({
    ...s,
    outbox: { ...s.outbox, enqueue: (jobs) => enqueue(s, jobs) },
    messages: {
      ...s.messages,
      async insert(message, outbox) {
        const stored = await s.messages.insert(message, outbox);
        if (outbox && !outbox.lease) announce(s, [], [{ ...outbox, ref: message.sid }]);
        return stored;
      },
      async insertMany(items) {
        const stored = await s.messages.insertMany(items);
        const unleased = items.flatMap(({ message, outbox }) =>
          outbox && !outbox.lease ? [{ ...outbox, ref: message.sid }] : [],
        );
        announce(s, [], unleased);
        return stored;
      },
    },
    transaction: (fn) => s.transaction((tx) => fn(wrap(tx))),
  });

  /** Gives the router the jobs once `s`'s transaction has committed. */
  function announce(s: Store, handed: OutboxJob[], stored: NewOutboxJob[]): void {
    const r = router();
    if (!r || (handed.length === 0 && stored.length === 0)) return;
    s.afterCommit(() => {
      try {
        r.committed(handed, stored);
      } catch (err) {
        onError?.(err);
      }
    });
  }

  async function enqueue(s: Store, jobs: NewOutboxJob[]): Promise<void> {
    const r = router();
    if (!r || jobs.length === 0) return s.outbox.enqueue(jobs);
    const stored: NewOutboxJob[] = [];
    // Jobs of one runner share its lease; a call rarely mixes kinds of different runners.
    const leased = new Map<string, { lease: OutboxLease; jobs: NewOutboxJob[] }>();
    // The runner's bound counts the leases granted here, not handed over yet (by kind).
    const granted = new Map<string, number>();
    for (const job of jobs) {
      const already = granted.get(job.kind) ?? 0;
      const lease = r.lease(job.kind, job.runAt, already);
      if (!lease) {
        stored.push(job);
        continue;
      }
      granted.set(job.kind, already + 1);
      const group = leased.get(lease.owner);
      if (group) group.jobs.push(job);
      else leased.set(lease.owner, { lease, jobs: [job] });
    }
    if (leased.size === 0) {
      await s.outbox.enqueue(stored);
      return announce(s, [], stored);
    }
    await s.transaction(async (tx) => {
      if (stored.length > 0) await tx.outbox.enqueue(stored);
      const handed: OutboxJob[] = [];
      for (const group of leased.values()) {
        handed.push(...(await tx.outbox.enqueueLeased(group.jobs, group.lease)));
      }
      announce(tx, handed, stored);
    });
  }

  return wrap(store);
}
