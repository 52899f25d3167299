import type { Clock } from '../clock.js';
import type { Logger } from '../log/loggers.js';
import type { OutboxJob, OutboxLease, Store } from '../store/store.js';
import type {
  BatchHandler,
  BatchOutcome,
  JobContext,
  JobHandler,
  JobNotifier,
  JobOutcome,
} from './job.js';

/** Settings of one runner (one group of job kinds sharing a concurrency budget). */
export interface RunnerOptions {
  store: Store;
  clock: Clock;
  /** Handlers by job kind; the runner claims only these kinds. */
  handlers: Record<string, JobHandler>;
  /** Jobs in flight at once (per-job handlers). */
  concurrency?: number;
  /** Most jobs claimed and handed at once to a kind's batch handler. */
  batchSize?: number;
  /** Batches in flight at once (each claims its own jobs): more for network-bound kinds. */
  batchLanes?: number;
  /** A claimed job is someone else's to take after this long, unless its lease is renewed. */
  leaseMs?: number;
  /**
   * Idle poll interval when nobody calls notify(); while jobs come by hand-off, also the least
   * time between two claims that no notify() asked for.
   */
  pollMs?: number;
  /** Unique worker name (lease owner). */
  owner: string;
  /** First back-off after a handler throws; doubles per failed attempt, capped at 5 min. */
  errorRetryMs?: number;
  onError?: (err: unknown, job?: OutboxJob) => void;
  /** Per-job detail at debug (the `jobs` logger). */
  log?: Pick<Logger, 'debug' | 'isLevelEnabled'>;
}

const MAX_ERROR_BACKOFF_MS = 300_000;

/**
 * Least time between two claims of one loop, unless the last claim came back full. Every API
 * request calls notify(); without a gap, a burst of creates cost one (mostly empty) claim query
 * per request and per loop, more than the work itself. 10 ms batches them; a message waits at
 * most that long more before dispatch.
 */
const MIN_CLAIM_GAP_MS = 10;

/** Waits until `MIN_CLAIM_GAP_MS` have passed since `since` (performance.now()). */
async function spaced(since: number): Promise<void> {
  const wait = since + MIN_CLAIM_GAP_MS - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

/** One loop's sleep, cut short by notify() or poke(). Exported for its tests. */
export class Waker {
  woken = false;
  /** notify() was called since the loop last claimed (new work may be in the database). */
  notified = false;
  private wake: (() => void) | null = null;

  notify(): void {
    this.notified = true;
    this.poke();
  }

  /** Whether the loop is asleep (waiting for a wake-up or its poll). */
  get sleeping(): boolean {
    return this.wake !== null;
  }

  /** Wakes the loop for work handed over in memory (nothing new to claim). */
  poke(): void {
    this.woken = true;
    this.wake?.();
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Ended by the timer or by a wake-up, the sleep is over either way (`sleeping` is false).
      const done = () => {
        clearTimeout(timer);
        this.wake = null;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.wake = done;
    });
  }
}

/**
 * Works the durable outbox: claims due jobs of its kinds with a lease, runs their handlers, renews
 * the leases of jobs still running, then completes or reschedules each job — only while it still
 * holds the lease. Kinds whose handler has a `batch` function are claimed up to `batchSize` at a
 * time and run together (the batch settles its jobs in its own transaction); the others run one
 * by one with bounded concurrency (a free slot is refilled without waiting for slower jobs). A
 * handler's slow part (a request to a destination that may hang) goes on as `Later`, off the
 * slots and lanes: the job keeps its lease and is settled when that work ends, while the runner
 * goes on claiming and running other jobs. It never runs on the request path; `notify()` wakes
 * it after new work commits.
 */
export class JobRunner implements JobNotifier {
  private readonly concurrency: number;
  private readonly batchSize: number;
  private readonly batchLanes: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly singleKinds: string[];
  private readonly batchKinds: string[];
  /** Per-job handler jobs in flight (the concurrency budget). */
  private readonly inflight = new Set<number>();
  /** Jobs of batches in flight. */
  private readonly batched = new Set<number>();
  /** Jobs whose handler's work goes on in the background (`Later`), until they are settled. */
  private readonly detached = new Map<number, Promise<void>>();
  /** Aborted by stop(): handlers' work not started yet does not start. */
  private stopping = new AbortController();
  private readonly wakers = new Set<Waker>();
  /** The batch lanes' wakers (also in `wakers`). */
  private readonly laneWakers = new Set<Waker>();
  /** Jobs stored leased to this runner and handed over in memory ({@link handOff}), oldest first. */
  private handed: OutboxJob[] = [];
  /** performance.now() of the last hand-off: while they come, claims wait for notify() or polls. */
  private handedAt = -Infinity;
  private running = false;
  private loops: Promise<void> | null = null;
  private renewer: NodeJS.Timeout | null = null;
  /** Releases of handed jobs over the bound in progress (stop() waits for them). */
  private readonly releasing = new Set<Promise<void>>();
  /** The lease renewal in progress, if any (stop() lets it finish before giving leases back). */
  private renewing: Promise<void> = Promise.resolve();

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.batchSize = opts.batchSize ?? 256;
    this.batchLanes = opts.batchLanes ?? 1;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 200;
    const kinds = Object.keys(opts.handlers);
    this.batchKinds = kinds.filter((k) => opts.handlers[k]?.batch !== undefined);
    this.singleKinds = kinds.filter((k) => opts.handlers[k]?.batch === undefined);
  }

  /** Starts the background loops (no-op while they run or are still stopping). */
  start(): void {
    if (this.running || this.loops) return;
    this.running = true;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    const loops: Promise<void>[] = [];
    if (this.singleKinds.length > 0) loops.push(this.runSingles());
    if (this.batchKinds.length > 0) {
      for (let i = 0; i < this.batchLanes; i++) loops.push(this.runBatches());
    }
    this.loops = Promise.all(loops).then(
      () => {
        this.loops = null;
      },
      () => {
        this.loops = null;
      },
    );
    this.renewer = setInterval(
      () => void (this.renewing = this.renew()),
      Math.max(10, this.leaseMs / 3),
    );
    this.renewer.unref();
  }

  /**
   * Stops claiming; waits for jobs in flight (background work that has not started is called
   * off: its handler gives the job back), and gives back the leases of jobs handed over.
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    for (const w of this.wakers) w.notify();
    await this.loops;
    while (this.inflight.size > 0 || this.batched.size > 0 || this.detached.size > 0) {
      await new Promise((r) => setTimeout(r, 5));
    }
    if (this.renewer) clearInterval(this.renewer);
    this.renewer = null;
    // A renewal still running would extend the leases given back here.
    await this.renewing;
    await Promise.all([this.release(this.handed.splice(0)), ...this.releasing]);
  }

  /**
   * A lease for a new job of `kind` due at `runAt`, when this runner will take the job from
   * memory ({@link handOff}) instead of claiming it: only while running, for a batch kind, for a
   * job due now, and while less than a batch waits in memory (past that, jobs are stored
   * unleased and claimed as usual: memory stays bounded under any load, and on a shared
   * database other processes can take the backlog).
   */
  lease(kind: string, runAt: number): OutboxLease | undefined {
    const now = this.opts.clock.now();
    if (!this.running || runAt > now || !this.batchKinds.includes(kind)) return undefined;
    if (this.handed.length >= this.batchSize) return undefined;
    return { owner: this.opts.owner, until: now + this.leaseMs };
  }

  /**
   * Takes committed jobs stored with a {@link lease} of this runner: they run in the next batch,
   * with no claim query and no notify() to other runners. Their leases are renewed while they
   * wait; a runner that has stopped gives them back at once.
   */
  handOff(jobs: readonly OutboxJob[]): void {
    this.handed.push(...jobs);
    if (!this.running) {
      if (!this.loops) void this.release(this.handed.splice(0));
      return;
    }
    // Leases granted together (a group commit's worth) can overshoot lease()'s bound: the
    // newest past it go back to the database, for a claim here or by another process.
    const over = this.handed.length - this.batchSize;
    if (over > 0) {
      const done = this.release(this.handed.splice(-over)).then(() => this.notify());
      this.releasing.add(done);
      void done.finally(() => this.releasing.delete(done));
    }
    this.handedAt = performance.now();
    for (const w of this.laneWakers) w.poke();
  }

  /** Gives back the leases of handed jobs nobody will run here (stopping, or too many). */
  private async release(jobs: readonly OutboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.opts.store.outbox.renew(
        jobs.map((j) => j.id),
        this.opts.owner,
        this.opts.clock.now() - 1,
      );
    } catch (err) {
      // The leases run out by themselves.
      this.opts.onError?.(err);
    }
  }

  /** Up to a batch of handed jobs of one kind, oldest first. */
  private takeHanded(): { kind: string; jobs: OutboxJob[] } | undefined {
    const first = this.handed[0];
    if (!first) return undefined;
    const jobs: OutboxJob[] = [];
    const rest: OutboxJob[] = [];
    for (const j of this.handed) {
      if (j.kind === first.kind && jobs.length < this.batchSize) jobs.push(j);
      else rest.push(j);
    }
    this.handed = rest;
    return { kind: first.kind, jobs };
  }

  /** Jobs running here (alone, in batches or in the background) or handed over and waiting. */
  busy(): number {
    return this.inflight.size + this.batched.size + this.detached.size + this.handed.length;
  }

  /** Whether this runner runs jobs of `kind`. */
  handles(kind: string): boolean {
    return Object.hasOwn(this.opts.handlers, kind);
  }

  /**
   * Wakes the loops now (new due work was committed, or a slot freed). Of several batch lanes
   * asleep, one wakes: a claim that comes back full wakes the next ({@link wakeLane}), so lanes
   * join in as the backlog grows, and a notify() with little or nothing new behind it costs one
   * claim instead of one per lane.
   */
  notify(): void {
    for (const w of this.wakers) if (!this.laneWakers.has(w)) w.notify();
    this.wakeLane();
  }

  /** Wakes one sleeping batch lane; with none asleep, every lane claims again before sleeping. */
  private wakeLane(): void {
    for (const w of this.laneWakers) {
      if (w.sleeping) return w.notify();
    }
    for (const w of this.laneWakers) w.notify();
  }

  /**
   * Runs every job that is due now, including jobs those jobs enqueue for now, then returns.
   * For tests with a manual clock, and for draining at shutdown.
   */
  async runDue(): Promise<number> {
    const kinds = [...this.singleKinds, ...this.batchKinds];
    let total = 0;
    for (let h = this.takeHanded(); h; h = this.takeHanded()) {
      total += h.jobs.length;
      await this.executeBatch(h.kind, h.jobs);
    }
    for (;;) {
      // Background work too: what it settles (or enqueues) is part of what is due.
      while (this.detached.size > 0) await Promise.all(this.detached.values());
      // Every kind at once, as the loops would: single jobs start first, batches alongside.
      const jobs = await this.claim(this.rotate(kinds), Math.max(this.concurrency, this.batchSize));
      if (jobs.length === 0) return total;
      total += jobs.length;
      const work = jobs
        .filter((j) => this.opts.handlers[j.kind]?.batch === undefined)
        .map((j) => this.execute(j));
      for (const kind of this.batchKinds) {
        const batch = jobs.filter((j) => j.kind === kind);
        if (batch.length > 0) work.push(this.executeBatch(kind, batch));
      }
      await Promise.all(work);
    }
  }

  /** Whether this runner is working on the job already (a lease that lapsed brings it back). */
  private busyWith(id: number): boolean {
    return this.inflight.has(id) || this.batched.has(id) || this.detached.has(id);
  }

  private get ctx(): JobContext {
    return { owner: this.opts.owner, signal: this.stopping.signal };
  }

  private waker(lane: boolean): Waker {
    const w = new Waker();
    this.wakers.add(w);
    if (lane) this.laneWakers.add(w);
    return w;
  }

  /** Rotates which kind is claimed first, so a backlog of one kind never starves another. */
  private rotate(kinds: string[]): string[] {
    kinds.push(kinds.shift() as string);
    return kinds;
  }

  /**
   * One worker loop. Each round claims and starts work (a batch lane first takes jobs handed
   * over in memory) and says whether its claim came back full (claim again at once) and whether
   * it found nothing to do (sleep until notify(), a hand-off or the poll interval). Claims that
   * were not full are spaced MIN_CLAIM_GAP_MS apart.
   */
  private async loop(
    lane: boolean,
    round: (waker: Waker) => Promise<{ full: boolean; idle: boolean }>,
  ) {
    const waker = this.waker(lane);
    let partialAt = -Infinity;
    try {
      while (this.running) {
        await spaced(partialAt);
        if (!this.running) break;
        waker.woken = false;
        const { full, idle } = await round(waker);
        if (full) continue;
        partialAt = performance.now();
        // A lane does not sleep with handed-over jobs waiting (they are its work).
        const waiting = lane && this.handed.length > 0;
        if (idle && !waker.woken && !waiting) await waker.sleep(this.pollMs);
      }
    } finally {
      this.wakers.delete(waker);
      this.laneWakers.delete(waker);
    }
  }

  private runSingles(): Promise<void> {
    return this.loop(false, async (waker) => {
      const free = this.concurrency - this.inflight.size;
      // Refill when a quarter of the slots are free (or all are): no head-of-line blocking
      // behind a slow job, without one claim query per finished job.
      if (free <= 0 || (free < Math.ceil(this.concurrency / 4) && this.inflight.size > 0)) {
        return { full: false, idle: true };
      }
      let jobs: OutboxJob[] = [];
      try {
        jobs = await this.claim(this.rotate(this.singleKinds), free);
      } catch (err) {
        this.opts.onError?.(err);
      }
      for (const job of jobs) {
        // A job whose lease we let lapse may come back while it still runs here: skip it.
        if (this.busyWith(job.id)) continue;
        this.inflight.add(job.id);
        void this.execute(job).finally(() => {
          this.inflight.delete(job.id);
          waker.notify();
        });
      }
      return { full: jobs.length === free, idle: true };
    });
  }

  private runBatches(): Promise<void> {
    let claimedAt = -Infinity;
    return this.loop(true, async (waker) => {
      const handed = this.takeHanded();
      if (handed) {
        await this.executeBatch(handed.kind, handed.jobs);
        // Less than a batch left: the usual gap first, so that batches grow under load.
        return { full: this.handed.length >= this.batchSize, idle: false };
      }
      // While jobs come by hand-off, the database has new work only when notify() says so (or
      // from the clock: scheduled jobs, retries), so an unprompted claim waits for the poll.
      const now = performance.now();
      const handing = now - this.handedAt < this.pollMs;
      if (handing && !waker.notified && now - claimedAt < this.pollMs) {
        return { full: false, idle: true };
      }
      waker.notified = false;
      claimedAt = now;
      let n = 0;
      try {
        for (let i = 0; i < this.batchKinds.length && n === 0; i++) {
          const kind = this.rotate(this.batchKinds)[0] as string;
          const jobs = await this.claim([kind], this.batchSize);
          n = jobs.length;
          // A full claim may leave more behind: another lane joins in.
          if (n === this.batchSize) this.wakeLane();
          if (n > 0) await this.executeBatch(kind, jobs);
        }
      } catch (err) {
        this.opts.onError?.(err);
      }
      return { full: n === this.batchSize, idle: n === 0 };
    });
  }

  private async renew(): Promise<void> {
    const idle = this.inflight.size + this.batched.size + this.detached.size === 0;
    if (idle && this.handed.length === 0) return;
    try {
      await this.opts.store.outbox.renew(
        [
          ...this.inflight,
          ...this.batched,
          ...this.detached.keys(),
          ...this.handed.map((j) => j.id),
        ],
        this.opts.owner,
        this.opts.clock.now() + this.leaseMs,
      );
    } catch (err) {
      this.opts.onError?.(err);
    }
  }

  private claim(kinds: string[], limit: number): Promise<OutboxJob[]> {
    return this.opts.store.outbox.claim({
      kinds,
      owner: this.opts.owner,
      now: this.opts.clock.now(),
      limit,
      leaseMs: this.leaseMs,
    });
  }

  /**
   * Runs one claimed batch through its kind's batch handler, then settles the jobs it returned.
   * If the batch throws, every job runs through the per-job handler instead.
   */
  private async executeBatch(kind: string, claimed: OutboxJob[]): Promise<void> {
    // Only kinds in batchKinds come here: their handler has a batch function.
    const batch = this.opts.handlers[kind]?.batch as BatchHandler;
    // A job whose lease we let lapse may come back while its batch still runs here: skip it.
    const jobs = claimed.filter((j) => !this.busyWith(j.id));
    for (const j of jobs) this.batched.add(j.id);
    if (this.opts.log?.isLevelEnabled('debug')) {
      this.opts.log.debug(
        { kind, jobs: jobs.length, ids: jobs.map((j) => j.id), owner: this.opts.owner },
        'batch started',
      );
    }
    try {
      let leftovers: Map<number, BatchOutcome>;
      try {
        leftovers = await batch(jobs, this.ctx);
      } catch (err) {
        this.opts.onError?.(err);
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
    const lanes = Array.from({ length: Math.min(this.concurrency, queue.length) }, async () => {
      for (let job = queue.shift(); job; job = queue.shift()) await this.execute(job);
    });
    await Promise.all(lanes);
  }

  private async execute(job: OutboxJob): Promise<void> {
    const handler = this.opts.handlers[job.kind];
    if (this.opts.log?.isLevelEnabled('debug')) {
      const { id, kind, ref, attempts } = job;
      this.opts.log.debug(
        { jobId: id, kind, ref, attempts, owner: this.opts.owner },
        'job started',
      );
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
    this.opts.onError?.(err, job);
    const backoff = (this.opts.errorRetryMs ?? 1000) * 2 ** Math.min(job.attempts, 20);
    return { retryAt: this.opts.clock.now() + Math.min(backoff, MAX_ERROR_BACKOFF_MS) };
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
      const owner = this.opts.owner;
      if ('done' in outcome) await this.opts.store.outbox.complete(job.id, owner);
      else await this.opts.store.outbox.retry(job.id, outcome.retryAt, outcome.payload, owner);
    } catch (err) {
      // The lease will expire and the job will be retaken; handlers are idempotent.
      this.opts.onError?.(err, job);
    }
  }
}
