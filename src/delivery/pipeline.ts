import type { JobHandler } from '../jobs/job.js';
import { JobRunner } from '../jobs/runner.js';
import { withJobHandOff, type JobRouter } from '../jobs/handoff.store.js';
import type { MessageSink } from '../messages/messages.service.js';
import { dispatchHandler, DISPATCH_JOB, type DispatchDeps } from './dispatch.handler.js';
import { simDlrHandler } from './simulator/sim.dlr.handler.js';
import { SIM_DLR_JOB } from './simulator/sim.carrier.js';

/** The LISTEN/NOTIFY channel that announces due jobs to every worker process. */
export const JOBS_CHANNEL = 'loft_jobs';

/** How the pipeline is assembled: the dispatcher's dependencies plus the runners' settings. */
export interface PipelineDeps extends DispatchDeps {
  /** Periodic jobs run by the delivery runner (retention). */
  housekeeping?: Record<string, JobHandler>;
  /** Extra job kinds run by their own runner (webhooks), with their concurrency. */
  extraHandlers?: Record<string, JobHandler>;
  extraConcurrency?: number;
  /** Most webhook jobs per batch, and batches in flight at once. */
  extraBatchSize?: number;
  extraBatchLanes?: number;
  concurrency?: number;
  /** Most dispatch / delivery-report jobs claimed and run together. */
  batchSize?: number;
  /** Job lease; a dead process's jobs are taken over when it runs out. */
  leaseMs?: number;
  /** Idle poll interval of every runner (due jobs nobody announced: scheduled, retries). */
  pollMs?: number;
  /** Lease owner prefix (process identity). */
  owner: string;
  onError?: (err: unknown) => void;
}

/** The running delivery pipeline. */
export interface Pipeline extends MessageSink {
  /** Wakes every runner (new due work committed). */
  notify(): void;
  /** Takes jobs enqueued through the handlers' store (see `withJobHandOff`). */
  readonly router: JobRouter;
  /** The dispatch job handler the runner uses (tests run a claimed job through it). */
  readonly dispatch: JobHandler;
  start(): void;
  stop(): Promise<void>;
  /** Runs everything due now until nothing is left (tests with a manual clock). */
  runDue(): Promise<number>;
}

/**
 * Wires the job runners: one for dispatch and delivery reports, one for webhooks (network-bound,
 * so it gets its own concurrency). Neither waits on a slow destination: an MMS fetching its
 * media and a webhook waiting for its receiver go on in the background, within their origin's
 * and account's slots (`mediaGate`, the webhook handler's gate). A new message's job goes to the delivery runner (handed over
 * in memory when it was stored leased to it, else announced by notify()); creating a message
 * never waits for its delivery. The jobs the delivery handlers queue (status callbacks) reach
 * the runners through {@link Pipeline.router} (`withJobHandOff`); give the extra handlers a
 * store wrapped the same way, and theirs do too.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  // The delivery handlers queue status callbacks through the router (read when they run).
  const store = withJobHandOff(deps.store, () => router, deps.onError);
  const handlers: Record<string, JobHandler> = {
    [DISPATCH_JOB]: dispatchHandler({ ...deps, store }),
    [SIM_DLR_JOB]: simDlrHandler({ ...deps, store }),
    ...deps.housekeeping,
  };
  const runners = [
    new JobRunner({
      store: deps.store,
      clock: deps.clock,
      handlers,
      owner: `${deps.owner}:delivery`,
      concurrency: deps.concurrency ?? 8,
      batchSize: deps.batchSize ?? 512,
      leaseMs: deps.leaseMs,
      pollMs: deps.pollMs,
      onError: deps.onError,
    }),
  ];
  if (deps.extraHandlers && Object.keys(deps.extraHandlers).length > 0) {
    const webhooks = new JobRunner({
      store: deps.store,
      clock: deps.clock,
      handlers: deps.extraHandlers,
      owner: `${deps.owner}:webhooks`,
      concurrency: deps.extraConcurrency ?? 32,
      // Network-bound: several batches in flight. One slow receiver holds up only its own
      // webhooks: it has a bounded number of slots per origin and per account (the handler's
      // gate), the others wait for those in memory, and a batch hands whatever is still
      // unsettled after a moment to the background instead of holding its lane.
      batchSize: deps.extraBatchSize ?? 128,
      batchLanes: deps.extraBatchLanes ?? 4,
      leaseMs: deps.leaseMs,
      pollMs: deps.pollMs,
      onError: deps.onError,
    });
    runners.push(webhooks);
  }
  const runnerOf = (kind: string) => runners.find((r) => r.handles(kind));
  // Jobs enqueued through a store wrapped by withJobHandOff (the handlers' store): a status
  // callback queued by a delivery batch, the next callback of a chain. Leased ones are handed
  // over; unleased ones due now wake their runner, here only (another process finds them at its
  // next poll).
  const router: JobRouter = {
    lease: (kind, runAt, already) => runnerOf(kind)?.lease(kind, runAt, already),
    committed(handed, stored) {
      const now = deps.clock.now();
      for (const r of runners) {
        const mine = handed.filter((j) => r.handles(j.kind));
        if (mine.length > 0) r.handOff(mine);
        if (stored.some((j) => r.handles(j.kind) && j.runAt <= now)) r.notify();
      }
    },
  };
  const wakeLocal = () => runners.forEach((r) => r.notify());
  // New work also wakes the workers of other processes sharing the database.
  const notify = () => {
    wakeLocal();
    deps.store.signals?.publish(JOBS_CHANNEL);
  };
  let unsubscribe: (() => Promise<void>) | undefined;
  let running = false;
  return {
    notify,
    router,
    dispatch: handlers[DISPATCH_JOB] as JobHandler,
    // A new message brings only a dispatch job: wake the delivery runner, not the webhook lanes
    // (the callbacks a delivery batch queues reach them through the router). Only a process
    // that does not deliver itself (`WORKERS=off`) signals the others: a NOTIFY per create batch
    // was a query of its own, and hearing it back woke every runner here for a claim query each.
    // The cost: while this runner is busy, another process finds the message at its next poll
    // (200 ms) instead of at once.
    // A job stored with a lease from the router is handed over in memory, as the handlers'
    // jobs are: no claim query, no wake-up of anything else.
    lease: (outbox) => router.lease(outbox.kind, outbox.runAt, 0),
    accepted: (_message, job) => {
      if (job) router.committed([job], []);
      else if (running) runners[0]?.notify();
      else if (deps.store.capabilities.multiProcess) deps.store.signals?.publish(JOBS_CHANNEL);
    },
    start: () => {
      running = true;
      runners.forEach((r) => r.start());
      deps.store.signals?.subscribe(JOBS_CHANNEL, wakeLocal).then(
        (off) => (unsubscribe = off),
        (err: unknown) => deps.onError?.(err),
      );
    },
    stop: async () => {
      running = false;
      await unsubscribe?.();
      // Delivery first: its last batches may still hand callbacks to the webhook runner, which
      // then runs or gives them back while it stops.
      for (const r of runners) await r.stop();
    },
    async runDue() {
      let total = 0;
      for (;;) {
        let round = 0;
        for (const r of runners) round += await r.runDue();
        total += round;
        if (round === 0) return total;
      }
    },
  };
}
