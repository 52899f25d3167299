import type { Clock } from '../clock.js';
import type { OutboxJob, Store } from '../store/store.js';
import type { JobHandler, JobNotifier, JobOutcome } from './job.js';

/** Settings of one runner (one group of job kinds sharing a concurrency budget). */
export interface RunnerOptions {
  store: Store;
  clock: Clock;
  /** Handlers by job kind; the runner claims only these kinds. */
  handlers: Record<string, JobHandler>;
  /** Jobs in flight at once. */
  concurrency?: number;
  /** A claimed job is someone else's to take after this long. */
  leaseMs?: number;
  /** Idle poll interval when nobody calls notify(). */
  pollMs?: number;
  /** Unique worker name (lease owner). */
  owner: string;
  /** Back-off after a handler throws. */
  errorRetryMs?: number;
  onError?: (err: unknown, job: OutboxJob) => void;
  /** Called after each job finishes (e.g. to wake the runner of the work it enqueued). */
  afterJob?: () => void;
}

/**
 * Works the durable outbox: claims due jobs of its kinds with a lease, runs their handlers with
 * bounded concurrency, then completes or reschedules them. It never runs on the request path;
 * `notify()` wakes it right after new work commits.
 */
export class JobRunner implements JobNotifier {
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly kinds: string[];
  private inflight = 0;
  private running = false;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 200;
    this.kinds = Object.keys(opts.handlers);
  }

  /** Starts the background loop. */
  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops claiming; waits for jobs in flight. Unfinished claims expire and are retaken. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    while (this.inflight > 0) await new Promise((r) => setTimeout(r, 5));
  }

  /** Wakes the loop now (new due work was committed). */
  notify(): void {
    this.woken = true;
    this.wake?.();
  }

  /**
   * Runs every job that is due now, including jobs those jobs enqueue for now, then returns.
   * For tests with a manual clock, and for draining at shutdown.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const jobs = await this.claim(this.concurrency);
      if (jobs.length === 0) return total;
      total += jobs.length;
      await Promise.all(jobs.map((j) => this.execute(j)));
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.woken = false;
      // Claim a batch, run it, and come straight back while there is work: one claim query per
      // batch rather than per job keeps the queue's own cost small next to the jobs'.
      const jobs = await this.claim(this.concurrency).catch(() => [] as OutboxJob[]);
      if (jobs.length > 0) {
        this.inflight += jobs.length;
        await Promise.all(jobs.map((j) => this.execute(j).finally(() => this.inflight--)));
        continue;
      }
      if (!this.woken) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private claim(limit: number): Promise<OutboxJob[]> {
    return this.opts.store.outbox.claim({
      kinds: this.kinds,
      owner: this.opts.owner,
      now: this.opts.clock.now(),
      limit,
      leaseMs: this.leaseMs,
    });
  }

  private async execute(job: OutboxJob): Promise<void> {
    const handler = this.opts.handlers[job.kind];
    let outcome: JobOutcome;
    try {
      outcome = handler ? await handler(job) : { done: true };
    } catch (err) {
      this.opts.onError?.(err, job);
      outcome = { retryAt: this.opts.clock.now() + (this.opts.errorRetryMs ?? 1000) };
    }
    try {
      if ('done' in outcome) await this.opts.store.outbox.complete(job.id);
      else await this.opts.store.outbox.retry(job.id, outcome.retryAt, outcome.payload);
    } catch (err) {
      // The lease will expire and the job will be retaken; handlers are idempotent.
      this.opts.onError?.(err, job);
    }
    this.opts.afterJob?.();
  }
}
