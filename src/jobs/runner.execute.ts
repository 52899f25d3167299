import type { Clock } from '../clock.js';
import type { Logger } from '../log/loggers.js';
import type { OutboxJob, Store } from '../store/store.js';
import type { BatchHandler, BatchOutcome, JobContext, JobHandler, JobOutcome } from './job.js';

const MAX_ERROR_BACKOFF_MS = 300_000;

/** What running claimed jobs needs: the runner's options. */
export interface ExecutorOptions {
  store: Store;
  clock: Clock;
  handlers: Record<string, JobHandler>;
  owner: string;
  /** Per-job handlers run at once for one batch that falls back to them. */
  concurrency: number;
  errorRetryMs?: number;
  onError?: (err: unknown, job?: OutboxJob) => void;
  log?: Pick<Logger, 'debug' | 'isLevelEnabled'>;
}

/**
 * Runs a runner's claimed jobs through their handlers and settles them, keeping track of the
 * work in progress: single jobs in flight, batches, and background work ({@link Later}) — so
 * the runner can renew their leases, skip a job it is still working on, and wait for all of
 * it when it stops.
 */
export class JobExecutor {
  /** Per-job handler jobs in flight (the concurrency budget), with their work. */
  private readonly singles = new Map<number, Promise<void>>();
  /** Jobs of batches in flight. */
  private readonly batched = new Set<number>();
  /** Batches in flight. */
  private readonly batches = new Set<Promise<void>>();
  /** Jobs whose handler's work goes on in the background (`Later`), until they are settled. */
  private readonly detached = new Map<number, Promise<void>>();

  /** `signal`: the runner's current stop signal (aborted by stop()). */
  constructor(
    private readonly o: ExecutorOptions,
    private readonly signal: () => AbortSignal,
  ) {}

  /** Single jobs in flight. */
  get inflight(): number {
    return this.singles.size;
  }

  /** Jobs being worked on here: alone, in batches or in the background. */
  get busy(): number {
    return this.singles.size + this.batched.size + this.detached.size;
  }

  /** The ids of the jobs being worked on (whose leases are renewed). */
  ids(): number[] {
    return [...this.singles.keys(), ...this.batched, ...this.detached.keys()];
  }

  /** Whether this runner is working on the job already (a lease that lapsed brings it back). */
  busyWith(id: number): boolean {
    return this.singles.has(id) || this.batched.has(id) || this.detached.has(id);
  }

  /** Starts a single job in flight, off the caller's path; `done` when it has been settled. */
  start(job: OutboxJob, done: () => void): void {
    const work = this.execute(job).finally(() => {
      this.singles.delete(job.id);
      done();
    });
    this.singles.set(job.id, work);
  }

  /** Resolves once no work is in progress (single jobs, batches and background work). */
  async settled(): Promise<void> {
    while (this.singles.size + this.batches.size + this.detached.size > 0) {
      const work = [...this.singles.values(), ...this.batches, ...this.detached.values()];
      await Promise.allSettled(work);
    }
  }

  /** Resolves once no background work is in progress. */
  async detachedSettled(): Promise<void> {
    while (this.detached.size > 0) await Promise.allSettled(this.detached.values());
  }

  private get ctx(): JobContext {
    return { owner: this.o.owner, signal: this.signal() };
  }

  /**
   * Runs one claimed batch through its kind's batch handler, then settles the jobs it returned.
   * If the batch throws, every job runs through the per-job handler instead.
   */
  runBatch(kind: string, claimed: OutboxJob[]): Promise<void> {
    const work = this.executeBatch(kind, claimed);
    this.batches.add(work);
    return work.finally(() => this.batches.delete(work));
  }

  private async executeBatch(kind: string, claimed: OutboxJob[]): Promise<void> {
    // Only batch kinds come here: their handler has a batch function.
    const batch = this.o.handlers[kind]?.batch as BatchHandler;
    // A job whose lease we let lapse may come back while its batch still runs here: skip it.
    const jobs = claimed.filter((j) => !this.busyWith(j.id));
    for (const j of jobs) this.batched.add(j.id);
    if (this.o.log?.isLevelEnabled('debug')) {
      this.o.log.debug(
        { kind, jobs: jobs.length, ids: jobs.map((j) => j.id), owner: this.o.owner },
        'batch started',
      );
    }
    try {
      let leftovers: Map<number, BatchOutcome>;
      try {
        leftovers = await batch(jobs, this.ctx);
      } catch (err) {
        this.o.onError?.(err);
        await this.executeEach([...jobs]);
        return;
      }
      const byId = new Map(jobs.map((j) => [j.id, j]));
      const single: OutboxJob[] = [];
      const settling: Promise<void>[] = [];
      for (const [id, outcome] of leftovers) {
        const job = byId.get(id);
        if (!job) continue;
        if ('perJob' in outcome) single.push(job);
        else if ('later' in outcome) this.detach(job, outcome.later);
        else settling.push(this.settle(job, outcome));
      }
      await Promise.all([...settling, this.executeEach(single)]);
    } finally {
      for (const j of jobs) this.batched.delete(j.id);
    }
  }

  /** Runs jobs through their per-job handler with the runner's usual concurrency. */
  private async executeEach(queue: OutboxJob[]): Promise<void> {
    const lanes = Array.from({ length: Math.min(this.o.concurrency, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await this.execute(job);
    });
    await Promise.all(lanes);
  }

  /** Runs one job through its per-job handler and settles it (or leaves it to `Later`). */
  async execute(job: OutboxJob): Promise<void> {
    const handler = this.o.handlers[job.kind];
    if (this.o.log?.isLevelEnabled('debug')) {
      const { id, kind, ref, attempts } = job;
      this.o.log.debug({ jobId: id, kind, ref, attempts, owner: this.o.owner }, 'job started');
    }
    let outcome: JobOutcome;
    try {
      const answer = handler ? await handler(job, this.ctx) : { done: true as const };
      if ('later' in answer) return this.detach(job, answer.later);
      outcome = answer;
    } catch (err) {
      outcome = this.failed(err, job);
    }
    await this.settle(job, outcome);
  }

  /** A handler failed: logged, and the job retried after a back-off that grows per attempt. */
  private failed(err: unknown, job: OutboxJob): JobOutcome {
    this.o.onError?.(err, job);
    const backoff = (this.o.errorRetryMs ?? 1000) * 2 ** Math.min(job.attempts, 20);
    return { retryAt: this.o.clock.now() + Math.min(backoff, MAX_ERROR_BACKOFF_MS) };
  }

  /**
   * Keeps a job whose work goes on in the background leased (renewed with the others) until
   * that work ends, then settles it; nothing waits for it meanwhile.
   */
  private detach(job: OutboxJob, later: Promise<JobOutcome | undefined>): void {
    const done = later
      .then(
        (outcome) => outcome && this.settle(job, outcome),
        (err: unknown) => this.settle(job, this.failed(err, job)),
      )
      .finally(() => this.detached.delete(job.id));
    this.detached.set(job.id, done);
  }

  /** Completes or reschedules a job, only while this runner still holds its lease. */
  private async settle(job: OutboxJob, outcome: JobOutcome): Promise<void> {
    try {
      const owner = this.o.owner;
      if ('done' in outcome) await this.o.store.outbox.complete(job.id, owner);
      else await this.o.store.outbox.retry(job.id, outcome.retryAt, outcome.payload, owner);
    } catch (err) {
      // The leases will expire and the job will be retaken; handlers are idempotent.
      this.o.onError?.(err, job);
    }
  }
}
