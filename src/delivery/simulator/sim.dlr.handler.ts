import type { Clock } from '../../clock.js';
import type { JobHandler } from '../../jobs/job.js';
import type { Store } from '../../store/store.js';
import { applyDeliveryReport, type StatusCallbacks } from '../lifecycle.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/** Runs a simulated delivery report when its delay is up (a durable `sim-dlr` job). */
export function simDlrHandler(deps: {
  store: Store;
  clock: Clock;
  callbacks: StatusCallbacks;
}): JobHandler {
  return async (job) => {
    const outcome = job.payload as SimOutcome;
    const now = deps.clock.now();
    await applyDeliveryReport(
      deps.store,
      deps.callbacks,
      {
        messageSid: job.ref,
        status: outcome.status === 'undelivered' ? 'undelivered' : 'delivered',
        ...(outcome.status === 'undelivered' && {
          errorCode: outcome.errorCode,
          errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
        }),
        doneAt: now,
      },
      now,
    );
    return { done: true };
  };
}
