import type { Clock } from '../../clock.js';
import type { JobHandler } from '../../jobs/job.js';
import type { Store } from '../../store/store.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import {
  advanceMany,
  applyDeliveryReport,
  reportExtras,
  reportPatch,
  type StatusCallbacks,
} from '../lifecycle.js';
import type { SimOutcome } from './sim.rules.js';
import { outcomeReport } from './sim.carrier.js';

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
    const now = deps.clock.now();
    const report = { messageSid: job.ref, ...outcomeReport(job.payload as SimOutcome, now) };
    await applyDeliveryReport(deps.store, deps.callbacks, report, now);
    return { done: true };
  };
  return Object.assign(single, {
    batch: async (jobs: Parameters<JobHandler>[0][], { owner }: { owner: string }) => {
      await deps.store.transaction(async (tx) => {
        const now = deps.clock.now();
        const extras = reportExtras({ doneAt: now });
        const seen = new Set<string>();
        const items = jobs.flatMap((job) => {
          if (seen.has(job.ref)) return [];
          seen.add(job.ref);
          const patch = reportPatch(outcomeReport(job.payload as SimOutcome, now));
          return [{ sid: job.ref, patch, extras }];
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
