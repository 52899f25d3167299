import type { Clock } from '../clock.js';
import type { OutboxJob, Store } from '../store/store.js';

/** What the hand-off buffer needs of its runner. */
export interface HandOffOptions {
  store: Store;
  clock: Clock;
  /** The runner's lease owner: the jobs in the buffer are stored leased to it. */
  owner: string;
  /** The most jobs kept in memory (one batch); more are given back to the database. */
  batchSize: number;
  onError?: (err: unknown) => void;
}

/**
 * Jobs stored leased to a runner and handed over in memory (no claim query), oldest first,
 * bounded by a batch: the surplus of leases granted together goes back to the database.
 */
export class HandOffBuffer {
  private jobs: OutboxJob[] = [];
  /** `clock.now()` of the last hand-off: while they come, claims wait for notify() or polls. */
  at = -Infinity;
  /** Releases of jobs over the bound in progress ({@link drain} waits for them). */
  private readonly releasing = new Set<Promise<void>>();

  constructor(private readonly o: HandOffOptions) {}

  /** Jobs waiting in memory. */
  get size(): number {
    return this.jobs.length;
  }

  /** Whether the buffer holds a batch already (no more leases for it). */
  get full(): boolean {
    return this.jobs.length >= this.o.batchSize;
  }

  /** The ids of the jobs waiting (their leases are renewed with the runner's). */
  ids(): number[] {
    return this.jobs.map((j) => j.id);
  }

  /**
   * Keeps `jobs`; the newest past the bound go back to the database at once, then `released`
   * is called (for a claim here or by another process).
   */
  add(jobs: readonly OutboxJob[], released: () => void): void {
    this.jobs.push(...jobs);
    this.at = this.o.clock.now();
    const over = this.jobs.length - this.o.batchSize;
    if (over > 0) this.track(this.release(this.jobs.splice(-over)).then(released));
  }

  /** Gives `jobs` back to the database at once (a runner that stopped takes none). */
  giveBack(jobs: readonly OutboxJob[]): void {
    this.track(this.release(jobs));
  }

  private track(done: Promise<void>): void {
    this.releasing.add(done);
    void done.finally(() => this.releasing.delete(done));
  }

  /** Up to a batch of waiting jobs of one kind, oldest first. */
  take(): { kind: string; jobs: OutboxJob[] } | undefined {
    const first = this.jobs[0];
    if (!first) return undefined;
    const jobs: OutboxJob[] = [];
    const rest: OutboxJob[] = [];
    for (const j of this.jobs) {
      if (j.kind === first.kind && jobs.length < this.o.batchSize) jobs.push(j);
      else rest.push(j);
    }
    this.jobs = rest;
    return { kind: first.kind, jobs };
  }

  /** Gives back the leases of every job waiting, and waits for releases in progress. */
  async drain(): Promise<void> {
    await Promise.all([this.release(this.jobs.splice(0)), ...this.releasing]);
  }

  /** Gives back the leases of jobs nobody will run here (stopping, or too many). */
  private async release(jobs: readonly OutboxJob[]): Promise<void> {
    if (jobs.length === 0) return;
    try {
      await this.o.store.outbox.renew(
        jobs.map((j) => j.id),
        this.o.owner,
        this.o.clock.now() - 1,
      );
    } catch (err) {
      // The leases run out by themselves.
      this.o.onError?.(err);
    }
  }
}
