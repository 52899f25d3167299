import type { Clock } from '../../clock.js';
import type { JobHandler } from '../../jobs/job.js';
import type { Store } from '../../store/store.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import { dlrDoneDate } from '../../webhooks/status-callback.js';
import {
  advanceMany,
  applyDeliveryReport,
  type MessagePatch,
  type StatusCallbacks,
} from '../lifecycle.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/** The status a simulated report moves a `sent` message to. */
function reportPatch(outcome: SimOutcome): MessagePatch {
  return outcome.status === 'undelivered'
    ? {
        status: 'undelivered',
        errorCode: outcome.errorCode,
        errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
      }
    : { status: 'delivered' };
}

/**
 * Runs a simulated delivery report when its delay is up (a durable `sim-dlr` job). The batch
 * form applies many reports in one transaction: `sent` → delivered/undelivered with the status
 * callbacks, and the removal of the jobs. A report for a message no longer `sent` is dropped.
 */
export function simDlrHandler(deps: {
  store: Store;
  clock: Clock;
  callbacks: StatusCallbacks;
}): JobHandler {
  const single: JobHandler = async (job) => {
    const outcome = job.payload as SimOutcome;
    const now = deps.clock.now();
    const patch = reportPatch(outcome);
    await applyDeliveryReport(
      deps.store,
      deps.callbacks,
      {
        messageSid: job.ref,
        status: patch.status === 'undelivered' ? 'undelivered' : 'delivered',
        ...(patch.status === 'undelivered' && {
          errorCode: patch.errorCode ?? undefined,
          errorMessage: patch.errorMessage ?? undefined,
        }),
        doneAt: now,
      },
      now,
    );
    return { done: true };
  };
  return Object.assign(single, {
    batch: async (jobs: Parameters<JobHandler>[0][], { owner }: { owner: string }) => {
      await deps.store.transaction(async (tx) => {
        const now = deps.clock.now();
        const extras = { rawDlrDoneDate: dlrDoneDate(now) };
        const seen = new Set<string>();
        const items = jobs.flatMap((job) => {
          if (seen.has(job.ref)) return [];
          seen.add(job.ref);
          return [{ sid: job.ref, patch: reportPatch(job.payload as SimOutcome), extras }];
        });
        await advanceMany(tx, deps.callbacks, items, now, ['sent']);
        await tx.outbox.completeMany(
          jobs.map((j) => j.id),
          owner,
        );
      });
      deps.store.signals?.publish(EVENTS_CHANNEL);
      return new Map();
    },
  });
}
