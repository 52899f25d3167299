import type { Clock } from '../clock.js';
import type { JobHandler } from '../jobs/job.js';
import type { Logger } from '../log/loggers.js';
import type { Store } from '../store/store.js';
import { IDEMPOTENCY_KEY_TTL_MS } from '../messages/messages.idempotency.js';

/** How long a delivery receipt waits for its part before the sweep deletes it (a day). */
const UNMATCHED_RECEIPT_TTL_MS = 24 * 3600 * 1000;

/** Outbox job kind of the periodic retention sweep. */
export const RETENTION_JOB = 'retention';

/** How long and how many finished messages each account keeps (either may be off). */
export interface RetentionPolicy {
  /** Delete finished messages created longer ago than this (ms); undefined = keep forever. */
  maxAgeMs?: number;
  /** Keep at most this many messages per account; undefined = no limit. */
  maxCount?: number;
  /** Time between sweeps (ms). */
  intervalMs: number;
  /** Messages deleted per transaction: small batches keep locks short. */
  batch?: number;
}

/**
 * Prunes every account by the policy, in short batches, and deletes the `Idempotency-Key`s
 * and the unmatched carrier receipts older than 24 h (whatever the policy). Returns how many messages went.
 */
export async function pruneAll(
  store: Store,
  policy: RetentionPolicy,
  now: number,
): Promise<number> {
  const batch = policy.batch ?? 500;
  let total = 0;
  for (const accountSid of await store.accounts.sids()) {
    for (;;) {
      const n = await store.messages.prune({
        accountSid,
        ...(policy.maxAgeMs !== undefined && { before: now - policy.maxAgeMs }),
        ...(policy.maxCount !== undefined && { keep: policy.maxCount }),
        limit: batch,
      });
      total += n;
      if (n < batch) break;
      // Let API requests in between batches.
      await new Promise((r) => setImmediate(r));
    }
  }
  const expired = now - IDEMPOTENCY_KEY_TTL_MS;
  while ((await store.idempotencyKeys.expire(expired, batch)) === batch) {
    await new Promise((r) => setImmediate(r));
  }
  // Receipts whose part never came (a message_id Loft did not send, or lost to a crash).
  while (
    (await store.carrierParts.expireUnmatched(now - UNMATCHED_RECEIPT_TTL_MS, batch)) === batch
  ) {
    await new Promise((r) => setImmediate(r));
  }
  return total;
}

/** The sweep as a durable, self-rescheduling job (one sweep at a time, whichever worker). */
export function retentionHandler(deps: {
  store: Store;
  clock: Clock;
  policy: RetentionPolicy;
  /** The `retention` logger: each sweep's count at info. */
  log?: Pick<Logger, 'info'>;
}): JobHandler {
  return async () => {
    const deleted = await pruneAll(deps.store, deps.policy, deps.clock.now());
    deps.log?.info({ deleted }, `retention sweep: ${deleted} finished messages deleted`);
    return { retryAt: deps.clock.now() + deps.policy.intervalMs };
  };
}

/** Makes sure one sweep job is scheduled (idempotent at start-up). */
export async function scheduleRetention(store: Store, now: number): Promise<void> {
  if ((await store.outbox.count([RETENTION_JOB])) === 0) {
    await store.outbox.enqueue([{ kind: RETENTION_JOB, ref: 'retention', runAt: now }]);
  }
}
