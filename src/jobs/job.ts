import type { OutboxJob, Store } from '../store/store.js';

/** What a job handler decides: finished (the job is removed) or try again at `retryAt`. */
export type JobOutcome = { done: true } | { retryAt: number; payload?: Record<string, unknown> };

/**
 * Handles one claimed job of its kind. It must be idempotent: a job whose worker died is
 * claimed again after its lease expires. Throwing counts as a retry after a short back-off.
 */
export type JobHandler = (job: OutboxJob) => Promise<JobOutcome>;

/** Wakes the job runner early (e.g. right after a commit that enqueued due work). */
export interface JobNotifier {
  notify(): void;
}

/** Enqueue helper signature used inside transactions: jobs commit with the data they are about. */
export type Enqueue = (tx: Store, jobs: Parameters<Store['outbox']['enqueue']>[0]) => Promise<void>;
