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
  /** A claimed job is someone else's to take after this long, unless its lease is renewed. */
  leaseMs?: number;
  /** Idle poll interval when nobody calls notify(). */
  pollMs?: number;
  /** Unique worker name (lease owner). */
  owner: string;
  /** First back-off after a handler throws; doubles per failed attempt, capped at 5 min. */
  errorRetryMs?: number;
  onError?: (err: unknown, job?: OutboxJob) => void;
  /** Called after each job finishes (e.g. to wake the runner of the work it enqueued). */
  afterJob?: () => void;
}

const MAX_ERROR_BACKOFF_MS = 300_000;

/**
 * Works the durable outbox: claims due jobs of its kinds with a lease, runs their handlers with
 * bounded concurrency (a free slot is refilled without waiting for slower jobs), renews the
 * leases of jobs still running, then completes or reschedules each job — only while it still
 * holds the lease. It never runs on the request path; `notify()` wakes it after new work commits.
 */
export class JobRunner implements JobNotifier {
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private kinds: string[];
  private readonly inflight = new Set<number>();
  private running = false;
  private wake: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private renewer: NodeJS.Timeout | null = null;

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 200;
    this.kinds = Object.keys(opts.handlers);
  }

  /** Starts the background loop (no-op while one is running or still stopping). */
  start(): void {
    if (this.running || this.loop) return;
    this.running = true;
    this.loop = this.run().finally(() => {
      this.loop = null;
    });
    this.renewer = setInterval(() => void this.renew(), Math.max(10, this.leaseMs / 3));
    this.renewer.unref();
  }

  /** Stops claiming; waits for jobs in flight. */
  async stop(): Promise<void> {
    this.running = false;
    this.notify();
    await this.loop;
    while (this.inflight.size > 0) await new Promise((r) => setTimeout(r, 5));
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = null;
  }

  /** Wakes the loop now (new due work was committed, or a slot freed). */
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
      const free = this.concurrency - this.inflight.size;
      // Refill when a quarter of the slots are free (or all are): no head-of-line blocking
      // behind a slow job, without one claim query per finished job.
      if (free > 0 && (free >= Math.ceil(this.concurrency / 4) || this.inflight.size === 0)) {
        let jobs: OutboxJob[] = [];
        try {
          jobs = await this.claim(free);
        } catch (err) {
          this.opts.onError?.(err);
        }
        for (const job of jobs) {
          // A job whose lease we let lapse may come back while it still runs here: skip it.
          if (this.inflight.has(job.id)) continue;
          this.inflight.add(job.id);
          void this.execute(job).finally(() => {
            this.inflight.delete(job.id);
            this.notify();
          });
        }
        if (jobs.length === free) continue;
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

  private async renew(): Promise<void> {
    if (this.inflight.size === 0) return;
    try {
      await this.opts.store.outbox.renew(
        [...this.inflight],
        this.opts.owner,
        this.opts.clock.now() + this.leaseMs,
      );
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private claim(limit: number): Promise<OutboxJob[]> {
    // Rotate which kind is claimed first, so a backlog of one kind never starves another.
    this.kinds.push(this.kinds.shift() as string);
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
      const backoff = (this.opts.errorRetryMs ?? 1000) * 2 ** Math.min(job.attempts, 20);
      outcome = { retryAt: this.opts.clock.now() + Math.min(backoff, MAX_ERROR_BACKOFF_MS) };
    }
    try {
      const owner = this.opts.owner;
      if ('done' in outcome) await this.opts.store.outbox.complete(job.id, owner);
      else await this.opts.store.outbox.retry(job.id, outcome.retryAt, outcome.payload, owner);
    } catch (err) {
      // The lease will expire and the job will be retaken; handlers are idempotent.
      this.opts.onError?.(err, job);
    }
    this.opts.afterJob?.();
  }
}
