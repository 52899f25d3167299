import type { Carrier, SubmitResult } from '../carrier.js';
import type { SimDelivery } from '../../store/store.js';
import type { SimNetwork } from './sim.network.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/** Outbox job kind of a simulated delivery report. */
export const SIM_DLR_JOB = 'sim-dlr';

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
      await tx.outbox.enqueue(
        [...outcomes]
          .filter(([sid, o]) => fresh.has(sid) && o.outcome.status !== 'no-dlr')
          .map(([sid, o]) => ({
            kind: SIM_DLR_JOB,
            ref: sid,
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
