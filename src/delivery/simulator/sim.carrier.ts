import type { Carrier, ImmediateReport, SubmitResult } from '../carrier.js';
import type { NewOutboxJob, SimDelivery } from '../../store/store.js';
import type { SimNetwork } from './sim.network.js';
import { SIM_ERRORS, type SimOutcome } from './sim.rules.js';

/** Outbox job kind of a simulated delivery report. */
export const SIM_DLR_JOB = 'sim-dlr';

/** Twilio's wording for a simulated error code. */
const errorMessage = (code: number) => SIM_ERRORS[code] ?? 'Unknown error';

/** The delivery report of a simulated outcome that reaches the handset (or not) at `doneAt`. */
export function outcomeReport(outcome: SimOutcome, doneAt: number): ImmediateReport {
  return outcome.status === 'undelivered' || outcome.status === 'failed'
    ? {
        status: outcome.status,
        errorCode: outcome.errorCode,
        errorMessage: errorMessage(outcome.errorCode),
        doneAt,
      }
    : { status: 'delivered', doneAt };
}

type Accepted = Extract<SubmitResult, { ok: true }>;

/**
 * The simulated carrier: records the message in the handset's inbox and, inside the caller's
 * transaction, either hands its delivery report back with the result (no delay) or schedules
 * it as a durable job. A repeated submit of the same message is a no-op, so a handset never
 * receives a message twice.
 */
export function simulatorCarrier(
  network: SimNetwork,
): Carrier & Required<Pick<Carrier, 'submitMany'>> {
  const carrier: Carrier & Required<Pick<Carrier, 'submitMany'>> = {
    name: 'simulator',
    // One message is a batch of one: the same decision, record and report.
    async submit(tx, submission, now) {
      return (await carrier.submitMany(tx, [submission], now))[0] as SubmitResult;
    },

    async submitMany(tx, submissions, now) {
      const results: SubmitResult[] = [];
      const records: SimDelivery[] = [];
      const accepted = new Map<string, { result: Accepted; outcome: SimOutcome; at: number }>();
      // The rules and settings as stored (served from the read cache on almost every batch).
      const view = await network.view(tx);
      for (const { message, body, mediaUrls, numSegments } of submissions) {
        const { outcome, delayMs, by } = view.decide(message.to, message.accountSid, message.sid);
        if (outcome.status === 'failed') {
          const { errorCode } = outcome;
          results.push({ ok: false, errorCode, errorMessage: errorMessage(errorCode) });
          continue;
        }
        const result: Accepted = { ok: true, ref: `SIM${message.sid.slice(2)}` };
        records.push({
          messageSid: message.sid,
          direction: 'to-handset',
          accountSid: message.accountSid,
          handset: message.to,
          from: message.from,
          body,
          mediaUrls,
          numSegments,
          carrierRef: result.ref,
          outcome: { ...outcome, by },
          receivedAt: now + delayMs,
        });
        accepted.set(message.sid, { result, outcome, at: now + delayMs });
        results.push(result);
      }
      // A handset never receives a message twice: only fresh records get their report.
      const fresh = await tx.sim.recordMany(records);
      const later: NewOutboxJob[] = [];
      for (const [sid, { result, outcome, at }] of accepted) {
        if (!fresh.has(sid) || outcome.status === 'no-dlr') continue;
        // No delay: the report is known now, and goes back with the result (no job, no wait).
        if (at <= now) result.report = outcomeReport(outcome, now);
        else
          later.push({ kind: SIM_DLR_JOB, ref: sid, runAt: at, payload: outcome, createdAt: now });
      }
      await tx.outbox.enqueue(later);
      return results;
    },
  };
  return carrier;
}
