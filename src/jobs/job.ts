import type { OutboxJob, Store } from '../store/store.js';

/** What a job handler decides: finished (the job is removed) or try again at `retryAt`. */
export type JobOutcome = { done: true } | { retryAt: number; payload?: Record<string, unknown> };

/**
 * Work on a job that goes on after its handler returned (a request waiting for a slow
 * destination, say): the runner keeps the job's lease until `later` settles, then applies the
 * outcome — `undefined` when the handler settled the job itself (in its own transaction) —
 * and meanwhile goes on with other jobs. A rejection counts as a handler that threw.
 */
export interface Later {
  later: Promise<JobOutcome | undefined>;
}

/** What the runner gives a handler besides the job. */
export interface JobContext {
  /** The lease owner (the runner's worker name). */
  owner: string;
  /** Aborted when the runner stops: work not started yet should not start any more. */
  signal?: AbortSignal;
}

/**
 * Handles one claimed job of its kind. It must be idempotent: a job whose worker died is
 * claimed again after its lease expires. Throwing counts as a retry after a short back-off.
 * Slow work (network) goes on as {@link Later}, so it holds none of the runner's slots.
 */
export type JobHandler = ((job: OutboxJob, ctx?: JobContext) => Promise<JobOutcome | Later>) & {
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
  ctx: JobContext,
) => Promise<Map<number, BatchOutcome>>;

/**
 * A batch handler's word on one job it did not settle: an outcome, "run it on its own", or work
 * still going on ({@link Later}: the batch does not wait on its slowest members).
 */
export type BatchOutcome = JobOutcome | { perJob: true } | Later;

/** The final outcome of a handler's answer, waiting for its {@link Later} part (tests, tools). */
export async function finalOutcome(
  answer: JobOutcome | Later | Promise<JobOutcome | Later>,
): Promise<JobOutcome | undefined> {
  const a = await answer;
  return 'later' in a ? a.later : a;
}

/** Wakes the job runner early (e.g. right after a commit that enqueued due work). */
export interface JobNotifier {
  notify(): void;
}

/** Enqueue helper signature used inside transactions: jobs commit with the data they are about. */
export type Enqueue = (tx: Store, jobs: Parameters<Store['outbox']['enqueue']>[0]) => Promise<void>;
