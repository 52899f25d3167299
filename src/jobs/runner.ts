import type { Clock } from '../clock.js';
import type { Logger } from '../log/loggers.js';
import type { OutboxJob, OutboxLease, Store } from '../store/store.js';
import type { JobHandler, JobNotifier } from './job.js';
import { JobExecutor } from './runner.execute.js';
import { HandOffBuffer } from './runner.handoff.js';
import { runBatches, runSingles, type LoopHost } from './runner.loops.js';
import type { Waker } from './runner.wake.js';

export { Waker } from './runner.wake.js';

/** Settings of one runner (one group of job kinds sharing a concurrency budget). */
export interface RunnerOptions {
  store: Store;
  /** Time, and every wait of the runner: polls, claim gaps, lease renewals. */
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
  private readonly singleKinds: string[];
  private readonly batchKinds: string[];
  /** Runs claimed jobs and keeps track of the work in progress. */
  private readonly exec: JobExecutor;
  /** Jobs stored leased to this runner and handed over in memory ({@link handOff}). */
  private readonly handed: HandOffBuffer;
  /** What the claim loops see of this runner. */
  private readonly host: LoopHost;
  /** Aborted by stop(): handlers' work not started yet does not start. */
  private stopping = new AbortController();
  private readonly wakers = new Set<Waker>();
  /** The batch lanes' wakers (also in `wakers`). */
  private readonly laneWakers = new Set<Waker>();
  private running = false;
  private loops: Promise<void> | null = null;
  /** The lease renewal loop, and what ends it (after the work in progress, at stop()). */
  private renewer: { done: Promise<void>; end: AbortController } | null = null;

  constructor(private readonly opts: RunnerOptions) {
    this.concurrency = opts.concurrency ?? 16;
    this.batchSize = opts.batchSize ?? 256;
    this.batchLanes = opts.batchLanes ?? 1;
    this.leaseMs = opts.leaseMs ?? 30_000;
    const kinds = Object.keys(opts.handlers);
    this.batchKinds = kinds.filter((k) => opts.handlers[k]?.batch !== undefined);
    this.singleKinds = kinds.filter((k) => opts.handlers[k]?.batch === undefined);
    const { store, clock, owner, onError } = opts;
    this.exec = new JobExecutor(
      { ...opts, concurrency: this.concurrency },
      () => this.stopping.signal,
    );
    this.handed = new HandOffBuffer({
      store,
      clock,
      owner,
      batchSize: this.batchSize,
      ...(onError && { onError }),
    });
    this.host = {
      clock,
      pollMs: opts.pollMs ?? 200,
      concurrency: this.concurrency,
      batchSize: this.batchSize,
      singleKinds: this.singleKinds,
      batchKinds: this.batchKinds,
      exec: this.exec,
      handed: this.handed,
      running: () => this.running,
      signal: () => this.stopping.signal,
      register: (w, lane) => {
        this.wakers.add(w);
        if (lane) this.laneWakers.add(w);
      },
      unregister: (w) => {
        this.wakers.delete(w);
        this.laneWakers.delete(w);
      },
      claim: (k, limit) => this.claim(k, limit),
      rotate,
      wakeLane: () => this.wakeLane(),
      ...(onError && { onError }),
    };
  }

  /** Starts the background loops (no-op while they run or are still stopping). */
  start(): void {
    if (this.running || this.loops || this.renewer) return;
    this.running = true;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    const loops: Promise<void>[] = [];
    if (this.singleKinds.length > 0) loops.push(runSingles(this.host));
    if (this.batchKinds.length > 0) {
      for (let i = 0; i < this.batchLanes; i++) loops.push(runBatches(this.host));
    }
    this.loops = Promise.all(loops).then(
      () => {
        this.loops = null;
      },
      () => {
        this.loops = null;
      },
    );
    const end = new AbortController();
    this.renewer = { done: this.renewEvery(Math.max(10, this.leaseMs / 3), end.signal), end };
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
    await this.exec.settled();
    // Leases are renewed until the work is over; a renewal still running would extend the
    // leases given back below, so it ends first.
    const renewer = this.renewer;
    renewer?.end.abort();
    await renewer?.done;
    if (this.renewer === renewer) this.renewer = null;
    await this.handed.drain();
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
    if (this.handed.full) return undefined;
    return { owner: this.opts.owner, until: now + this.leaseMs };
  }

  /**
   * Takes committed jobs stored with a {@link lease} of this runner: they run in the next batch,
   * with no claim query and no notify() to other runners. Their leases are renewed while they
   * wait; a runner that has stopped gives them back at once.
   */
  handOff(jobs: readonly OutboxJob[]): void {
    if (!this.running) return this.handed.giveBack(jobs);
    // Leases granted together (a group commit's worth) can overshoot lease()'s bound: the
    // newest past it go back to the database, for a claim here or by another process.
    this.handed.add(jobs, () => this.notify());
    for (const w of this.laneWakers) w.poke();
  }

  /** Jobs running here (alone, in batches or in the background) or handed over and waiting. */
  busy(): number {
    return this.exec.busy + this.handed.size;
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
    for (let h = this.handed.take(); h; h = this.handed.take()) {
      total += h.jobs.length;
      await this.exec.runBatch(h.kind, h.jobs);
    }
    for (;;) {
      // Background work too: what it settles (or enqueues) is part of what is due.
      await this.exec.detachedSettled();
      // Every kind at once, as the loops would: single jobs start first, batches alongside.
      const jobs = await this.claim(rotate(kinds), Math.max(this.concurrency, this.batchSize));
      if (jobs.length === 0) return total;
      total += jobs.length;
      const work = jobs
        .filter((j) => this.opts.handlers[j.kind]?.batch === undefined)
        .map((j) => this.exec.execute(j));
      for (const kind of this.batchKinds) {
        const batch = jobs.filter((j) => j.kind === kind);
        if (batch.length > 0) work.push(this.exec.runBatch(kind, batch));
      }
      await Promise.all(work);
    }
  }

  /** Renews the leases of the work in progress and of handed jobs every `ms` of the clock. */
  private async renewEvery(ms: number, end: AbortSignal): Promise<void> {
    for (;;) {
      await this.opts.clock.sleep(ms, end);
      if (end.aborted) return;
      await this.renew();
    }
  }

  private async renew(): Promise<void> {
    const ids = [...this.exec.ids(), ...this.handed.ids()];
    if (ids.length === 0) return;
    try {
      await this.opts.store.outbox.renew(
        ids,
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
}

/** Rotates which kind is claimed first, so a backlog of one kind never starves another. */
function rotate(kinds: string[]): string[] {
  kinds.push(kinds.shift() as string);
  return kinds;
}
