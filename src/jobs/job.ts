import type { OutboxJob, Store } from '../store/store.js';

/** What a job handler decides: finished (the job is removed) or try again at `retryAt`. */
export type JobOutcome = { done: true } | { retryAt: number; payload?: Record<string, unknown> };

/**
 * Handles one claimed job of its kind. It must be idempotent: a job whose worker died is
 * claimed again after its lease expires. Throwing counts as a retry after a short back-off.
 */
export type JobHandler = ((job: OutboxJob) => Promise<JobOutcome>) & {
  /** Runs many claimed jobs of this kind together (see {@link BatchHandler}). */
  batch?: BatchHandler;
};

/**
 * Runs up to a batch of claimed jobs of one kind at once, typically one read, one transaction
 * and multi-row statements. Every job it finished must be settled inside its own transaction with
 * `tx.outbox.completeMany(ids, owner)` (so the work and the job's removal commit together); the
 * outcomes it returns are for the other jobs, which the runner settles one by one (`perJob`:
 * the runner runs the job through the per-job handler, for cases the batch does not cover). Throwing
 * makes the runner run each job of the batch through the per-job handler instead, so a job the
 * batch cannot take does not sink its neighbours (handlers are idempotent).
 */
export type BatchHandler = (
  jobs: OutboxJob[],
  ctx: { owner: string },
) => Promise<Map<number, BatchOutcome>>;

/** A batch handler's word on one job it did not settle: an outcome, or "run it on its own". */
export type BatchOutcome = JobOutcome | { perJob: true };

/** Wakes the job runner early (e.g. right after a commit that enqueued due work). */
export interface JobNotifier {
  notify(): void;
}

/** Enqueue helper signature used inside transactions: jobs commit with the data they are about. */
export type Enqueue = (tx: Store, jobs: Parameters<Store['outbox']['enqueue']>[0]) => Promise<void>;
