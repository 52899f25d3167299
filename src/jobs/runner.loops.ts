import type { Clock } from '../clock.js';
import type { OutboxJob } from '../store/store.js';
import type { HandOffBuffer } from './runner.handoff.js';
import type { JobExecutor } from './runner.execute.js';
import { spaced, Waker } from './runner.wake.js';

/** What the claim loops need of their runner. */
export interface LoopHost {
  clock: Clock;
  pollMs: number;
  concurrency: number;
  batchSize: number;
  singleKinds: string[];
  batchKinds: string[];
  exec: JobExecutor;
  handed: HandOffBuffer;
  /** Whether the runner still runs (the loops end when it stops). */
  running(): boolean;
  /** The runner's stop signal: aborted by stop(), it ends the claim spacing. */
  signal(): AbortSignal;
  /** Registers a loop's waker (a batch lane's when `lane`) with the runner's notify(). */
  register(waker: Waker, lane: boolean): void;
  unregister(waker: Waker): void;
  /** Claims due jobs of `kinds` for this runner. */
  claim(kinds: string[], limit: number): Promise<OutboxJob[]>;
  /** Rotates which kind is claimed first, so a backlog of one kind never starves another. */
  rotate(kinds: string[]): string[];
  /** Wakes one sleeping batch lane (a full claim may leave more behind). */
  wakeLane(): void;
  onError?: (err: unknown) => void;
}

/** One round of a loop: whether its claim came back full, and whether it found nothing to do. */
type Round = (waker: Waker) => Promise<{ full: boolean; idle: boolean }>;

/**
 * One worker loop. Each round claims and starts work (a batch lane first takes jobs handed
 * over in memory) and says whether its claim came back full (claim again at once) and whether
 * it found nothing to do (sleep until notify(), a hand-off or the poll interval). Claims that
 * were not full are spaced MIN_CLAIM_GAP_MS apart. Every wait is on the runner's clock.
 */
async function loop(host: LoopHost, lane: boolean, round: Round): Promise<void> {
  const waker = new Waker(host.clock);
  host.register(waker, lane);
  let partialAt = -Infinity;
  try {
    while (host.running()) {
      await spaced(host.clock, partialAt, host.signal());
      if (!host.running()) break;
      waker.woken = false;
      const { full, idle } = await round(waker);
      if (full) continue;
      partialAt = host.clock.now();
      // A lane does not sleep with handed-over jobs waiting (they are its work).
      const waiting = lane && host.handed.size > 0;
      if (idle && !waker.woken && !waiting) await waker.sleep(host.pollMs);
    }
  } finally {
    host.unregister(waker);
  }
}

/**
 * The loop of the kinds run one job at a time: claims up to the free slots and starts each job
 * in flight; a job that ends frees its slot and wakes the loop.
 */
export function runSingles(host: LoopHost): Promise<void> {
  const { concurrency } = host;
  return loop(host, false, async (waker) => {
    const free = concurrency - host.exec.inflight;
    // Refill when a quarter of the slots are free (or all are): no head-of-line blocking
    // behind a slow job, without one claim query per finished job.
    if (free <= 0 || (free < Math.ceil(concurrency / 4) && host.exec.inflight > 0)) {
      return { full: false, idle: true };
    }
    let jobs: OutboxJob[] = [];
    try {
      jobs = await host.claim(host.rotate(host.singleKinds), free);
    } catch (err) {
      host.onError?.(err);
    }
    for (const job of jobs) {
      // A job whose lease we let lapse may come back while it still runs here: skip it.
      if (host.exec.busyWith(job.id)) continue;
      host.exec.start(job, () => waker.notify());
    }
    return { full: jobs.length === free, idle: true };
  });
}

/**
 * One batch lane: runs a batch of the jobs handed over in memory, or else claims a batch of one
 * batch kind (rotating) and runs it; a full claim wakes another lane.
 */
export function runBatches(host: LoopHost): Promise<void> {
  const { pollMs, batchSize } = host;
  let claimedAt = -Infinity;
  return loop(host, true, async (waker) => {
    const handed = host.handed.take();
    if (handed) {
      await host.exec.runBatch(handed.kind, handed.jobs);
      // Less than a batch left: the usual gap first, so that batches grow under load.
      return { full: host.handed.full, idle: false };
    }
    // While jobs come by hand-off, the database has new work only when notify() says so (or
    // from the clock: scheduled jobs, retries), so an unprompted claim waits for the poll.
    const now = host.clock.now();
    const handing = now - host.handed.at < pollMs;
    if (handing && !waker.notified && now - claimedAt < pollMs) {
      return { full: false, idle: true };
    }
    waker.notified = false;
    claimedAt = now;
    let n = 0;
    try {
      for (let i = 0; i < host.batchKinds.length && n === 0; i++) {
        const kind = host.rotate(host.batchKinds)[0] as string;
        const jobs = await host.claim([kind], batchSize);
        n = jobs.length;
        // A full claim may leave more behind: another lane joins in.
        if (n === batchSize) host.wakeLane();
        if (n > 0) await host.exec.runBatch(kind, jobs);
      }
    } catch (err) {
      host.onError?.(err);
    }
    return { full: n === batchSize, idle: n === 0 };
  });
}
