import type { JobHandler } from '../jobs/job.js';
import type { Logger } from '../log/loggers.js';
import { JobRunner } from '../jobs/runner.js';
import type { MessageSink } from '../messages/messages.service.js';
import { dispatchHandler, DISPATCH_JOB, type DispatchDeps } from './dispatch.handler.js';
import { simDlrHandler } from './simulator/sim.dlr.handler.js';
import { SIM_DLR_JOB } from './simulator/sim.carrier.js';
import type { WebhookBatch } from '../webhooks/webhooks.handler.js';
import { WebhookQueue } from '../webhooks/webhooks.queue.js';
import { wakeOnWebhooks } from '../webhooks/webhooks.wake.js';

/** The LISTEN/NOTIFY channel that announces due jobs to every worker process. */
export const JOBS_CHANNEL = 'loft_jobs';

/** How the pipeline is assembled: the dispatcher's dependencies plus the runners' settings. */
export interface PipelineDeps extends DispatchDeps {
  /** Periodic jobs run by the delivery runner (retention). */
  housekeeping?: Record<string, JobHandler>;
  /** Sends claimed webhooks (`webhookHandler`): the webhook queue runs when given. */
  webhooks?: WebhookBatch;
  /** Most webhooks per claim, and batches claimed and in flight at once. */
  webhookBatchSize?: number;
  webhookLanes?: number;
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
  /** The runners' per-job detail (debug). */
  log?: Logger;
}

/** The running delivery pipeline. */
export interface Pipeline extends MessageSink {
  /** Wakes every runner (new due work committed). */
  notify(): void;
  /** Wakes the webhook queue (new due webhooks committed); no-op without one. */
  notifyWebhooks(): void;
  /** The dispatch job handler the runner uses (tests run a claimed job through it). */
  readonly dispatch: JobHandler;
  start(): void;
  stop(): Promise<void>;
  /** Whether the workers run (between `start` and `stop`). */
  running(): boolean;
  /** Jobs running or waiting in memory in this process (for the shutdown lines). */
  busy(): number;
  /** Runs everything due now until nothing is left (tests with a manual clock). */
  runDue(): Promise<number>;
}

/**
 * Wires the job runner of dispatch and delivery reports, and the webhook queue (network-bound,
 * so it claims in lanes of its own). Neither waits on a slow destination: an MMS fetching its
 * media and a webhook waiting for its receiver go on in the background, within their origin's
 * and account's slots (`mediaGate`, the webhook handler's gate). A new message's job goes to
 * the delivery runner (handed over in memory when it was stored leased to it, else announced
 * by notify()); creating a message never waits for its delivery. The status callbacks the
 * delivery handlers queue wake the webhook queue once their transaction commits.
 */
export function createPipeline(deps: PipelineDeps): Pipeline {
  const queue = deps.webhooks
    ? new WebhookQueue({
        store: deps.store,
        clock: deps.clock,
        send: deps.webhooks,
        owner: `${deps.owner}:webhooks`,
        // Network-bound: several batches in flight. One slow receiver holds up only its own
        // webhooks: it has a bounded number of slots per origin and per account (the handler's
        // gate), the others wait for those in memory, and a batch hands whatever is still
        // unsettled after a moment to the background instead of holding its lane.
        batchSize: deps.webhookBatchSize,
        lanes: deps.webhookLanes,
        leaseMs: deps.leaseMs,
        pollMs: deps.pollMs,
        // TwiML replies queue dispatch jobs: wake delivery here and in other processes.
        onConsumed: () => notify(),
        onError: deps.onError,
      })
    : undefined;
  const notifyWebhooks = () => queue?.notify();
  const store = wakeOnWebhooks(deps.store, notifyWebhooks);
  const handlers: Record<string, JobHandler> = {
    [DISPATCH_JOB]: dispatchHandler({ ...deps, store }),
    [SIM_DLR_JOB]: simDlrHandler({ ...deps, store }),
    ...deps.housekeeping,
  };
  const delivery = new JobRunner({
    store: deps.store,
    clock: deps.clock,
    handlers,
    owner: `${deps.owner}:delivery`,
    concurrency: deps.concurrency ?? 8,
    batchSize: deps.batchSize ?? 512,
    leaseMs: deps.leaseMs,
    pollMs: deps.pollMs,
    onError: deps.onError,
    ...(deps.log && { log: deps.log }),
  });
  const wakeLocal = () => {
    delivery.notify();
    queue?.notify();
  };
  // New work also wakes the workers of other processes sharing the database.
  const notify = () => {
    wakeLocal();
    deps.store.signals?.publish(JOBS_CHANNEL);
  };
  let unsubscribe: (() => Promise<void>) | undefined;
  let running = false;
  return {
    notify,
    notifyWebhooks,
    dispatch: handlers[DISPATCH_JOB] as JobHandler,
    // A new message brings only a dispatch job: wake the delivery runner, not the webhook lanes
    // (the callbacks a delivery batch queues wake them after their commit). Only a process
    // that does not deliver itself (`WORKERS=off`) signals the others: a NOTIFY per create batch
    // was a query of its own, and hearing it back woke every runner here for a claim query each.
    // The cost: while this runner is busy, another process finds the message at its next poll
    // (200 ms) instead of at once.
    // A job stored with a lease from the delivery runner is handed over in memory: no claim
    // query, no wake-up of anything else.
    lease: (outbox) => delivery.lease(outbox.kind, outbox.runAt),
    accepted: (_message, job) => {
      if (job) delivery.handOff([job]);
      else if (running) delivery.notify();
      else if (deps.store.capabilities.multiProcess) deps.store.signals?.publish(JOBS_CHANNEL);
    },
    start: () => {
      running = true;
      delivery.start();
      queue?.start();
      deps.store.signals?.subscribe(JOBS_CHANNEL, wakeLocal).then(
        (off) => (unsubscribe = off),
        (err: unknown) => deps.onError?.(err),
      );
    },
    stop: async () => {
      running = false;
      await unsubscribe?.();
      // Delivery first: its last batches may still queue callbacks.
      await delivery.stop();
      await queue?.stop();
    },
    running: () => running,
    busy: () => delivery.busy() + (queue?.busy() ?? 0),
    async runDue() {
      let total = 0;
      for (;;) {
        let round = 0;
        round += await delivery.runDue();
        round += (await queue?.runDue()) ?? 0;
        total += round;
        if (round === 0) return total;
      }
    },
  };
}
