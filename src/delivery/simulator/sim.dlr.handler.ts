import type { Clock } from '../../clock.js';
import type { JobHandler } from '../../jobs/job.js';
import type { Store } from '../../store/store.js';
import { advance, rawDlrDoneDate, type StatusCallbacks } from '../lifecycle.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/**
 * Applies a simulated delivery report: `sent` → `delivered` / `undelivered` (with its error),
 * with the status callback carrying RawDlrDoneDate. A report for a message in any other status
 * (deleted, already reported) is dropped.
 */
export function simDlrHandler(deps: {
  store: Store;
  clock: Clock;
  callbacks: StatusCallbacks;
}): JobHandler {
  return async (job) => {
    const m = await deps.store.messages.findBySid(job.ref);
    if (!m || m.status !== 'sent') return { done: true };
    const outcome = job.payload as SimOutcome;
    const now = deps.clock.now();
    const patch =
      outcome.status === 'undelivered'
        ? {
            status: 'undelivered' as const,
            errorCode: outcome.errorCode,
            errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
          }
        : { status: 'delivered' as const };
    await deps.store.transaction((tx) =>
      advance(tx, deps.callbacks, m, patch, now, { rawDlrDoneDate: rawDlrDoneDate(now) }),
    );
    return { done: true };
  };
}
