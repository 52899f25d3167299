import type { MessageStatus } from '../store/records.js';
import type { Store, TransitionItem } from '../store/store.js';
import type { StoreObserver } from './metrics.js';

/**
 * The history entries a batch of transitions wrote: for each item that moved (its first
 * occurrence, as the store applies a SID given twice once) with a status, its `via` statuses
 * without an error, then its own with the patch's error code.
 */
function moves(
  items: ReadonlyArray<TransitionItem>,
  moved: ReadonlySet<string>,
): Array<{ to: MessageStatus; errorCode: number | null }> {
  const out: Array<{ to: MessageStatus; errorCode: number | null }> = [];
  const seen = new Set<string>();
  for (const { sid, patch, via } of items) {
    if (seen.has(sid) || !moved.has(sid)) continue;
    seen.add(sid);
    if (patch.status === undefined) continue;
    for (const to of via ?? []) out.push({ to, errorCode: null });
    out.push({ to: patch.status, errorCode: patch.errorCode ?? null });
  }
  return out;
}

/**
 * `store` whose message and webhook writes are told to `observer` once they have committed
 * (inside a transaction, after the outermost commit, never after a rollback): new messages,
 * status transitions (the store's transition methods and cancel, which every status change goes
 * through), the webhook attempt log and webhooks reaching a final status. Nothing is read back:
 * what is reported is what the calls wrote, from their arguments and results.
 */
export function observeStore(store: Store, observer: StoreObserver): Store {
  const wrap = (s: Store): Store => {
    const later = (report: () => void) => s.afterCommit(report);
    const m = s.messages;
    const w = s.webhooks;
    return {
      ...s,
      messages: {
        ...m,
        async insert(message, outbox) {
          const stored = await m.insert(message, outbox);
          later(() => observer.created([stored]));
          return stored;
        },
        async insertMany(items) {
          const stored = await m.insertMany(items);
          if (stored.length > 0) later(() => observer.created(stored.map((i) => i.message)));
          return stored;
        },
        async transition(sid, patch, now, expect) {
          const next = await m.transition(sid, patch, now, expect);
          const to = patch.status;
          if (next && to !== undefined) {
            later(() => observer.transitioned([{ to, errorCode: patch.errorCode ?? null }]));
          }
          return next;
        },
        async transitionMany(items, now, expect) {
          const list = await m.transitionMany(items, now, expect);
          const done = moves(items, new Set(list.map((x) => x.sid)));
          if (done.length > 0) later(() => observer.transitioned(done));
          return list;
        },
        async transitionManySids(items, now, expect) {
          const moved = await m.transitionManySids(items, now, expect);
          const done = moves(items, moved);
          if (done.length > 0) later(() => observer.transitioned(done));
          return moved;
        },
        async cancel(accountSid, sid, now) {
          const r = await m.cancel(accountSid, sid, now);
          if (typeof r === 'object') {
            later(() => observer.transitioned([{ to: 'canceled', errorCode: null }]));
          }
          return r;
        },
      },
      webhooks: {
        ...w,
        async recordAttempt(attempt) {
          const logged = await w.recordAttempt(attempt);
          later(() => observer.attempted([attempt]));
          return logged;
        },
        async recordAttempts(attempts) {
          await w.recordAttempts(attempts);
          if (attempts.length > 0) later(() => observer.attempted(attempts));
        },
        async completeRounds(rounds, now) {
          const applied = await w.completeRounds(rounds, now);
          const final = rounds
            .filter((r) => applied.has(r.id) && r.status !== 'pending')
            .map((r) => r.status);
          if (final.length > 0) later(() => observer.settled(final));
          return applied;
        },
      },
      transaction: (fn) => s.transaction((tx) => fn(wrap(tx))),
    };
  };
  return wrap(store);
}
