import type { Carrier, ImmediateReport, SubmitResult } from '../carrier.js';
import type { SimDelivery } from '../../store/store.js';
import type { SimNetwork } from './sim.network.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/** Outbox job kind of a simulated delivery report. */
export const SIM_DLR_JOB = 'sim-dlr';

/** The delivery report of a simulated outcome that reaches the handset (or not) at `doneAt`. */
export function outcomeReport(outcome: SimOutcome, doneAt: number): ImmediateReport {
  return outcome.status === 'undelivered' || outcome.status === 'failed'
    ? {
        status: outcome.status,
        errorCode: outcome.errorCode,
        errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
        doneAt,
      }
    : { status: 'delivered', doneAt };
}

/**
 * The simulated carrier: records the message in the handset's inbox and schedules its delivery
 * report as a durable job, all inside the caller's transaction. A repeated submit of the same
 * message is a no-op, so a handset never receives a message twice.
 */
export function simulatorCarrier(
  network: SimNetwork,
): Carrier & Required<Pick<Carrier, 'submitMany'>> {
  const carrier: Carrier & Required<Pick<Carrier, 'submitMany'>> = {
    name: 'simulator',
    // One message is a batch of one: the same decision, record and report job.
    async submit(tx, submission, now) {
      return (await carrier.submitMany(tx, [submission], now))[0] as SubmitResult;
    },

    async submitMany(tx, submissions, now) {
      const results: SubmitResult[] = [];
      const records: SimDelivery[] = [];
      const outcomes = new Map<string, { outcome: SimOutcome; runAt: number }>();
      for (const { message, body, mediaUrls, numSegments } of submissions) {
        const decision = network.decide(message.to, message.sid);
        const { outcome } = decision;
        if (outcome.status === 'failed') {
          results.push({
            ok: false,
            errorCode: outcome.errorCode,
            errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
          });
          continue;
        }
        const ref = `SIM${message.sid.slice(2)}`;
        records.push({
          messageSid: message.sid,
          direction: 'to-handset',
          accountSid: message.accountSid,
          handset: message.to,
          from: message.from,
          body,
          mediaUrls,
          numSegments,
          carrierRef: ref,
          outcome: { ...outcome, by: decision.by },
          receivedAt: now + decision.delayMs,
        });
        outcomes.set(message.sid, { outcome, runAt: now + decision.delayMs });
        results.push({ ok: true, ref });
      }
      // A handset never receives a message twice: only fresh records get their report.
      const fresh = await tx.sim.recordMany(records);
      const later: { sid: string; outcome: SimOutcome; runAt: number }[] = [];
      submissions.forEach(({ message }, i) => {
        const o = outcomes.get(message.sid);
        const r = results[i];
        if (!o || !r?.ok || !fresh.has(message.sid) || o.outcome.status === 'no-dlr') return;
        if (o.outcome.status === 'failed') return;
        // No delay: the report is known now, and goes back with the result (no job, no wait).
        if (o.runAt <= now) r.report = outcomeReport(o.outcome, now);
        else later.push({ sid: message.sid, ...o });
      });
      await tx.outbox.enqueue(
        later.map((o) => ({
          kind: SIM_DLR_JOB,
          ref: o.sid,
          runAt: o.runAt,
          payload: o.outcome,
          createdAt: now,
        })),
      );
      return results;
    },
  };
  return carrier;
}
