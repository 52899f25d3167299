import type { Carrier } from '../carrier.js';
import type { SimNetwork } from './sim.network.js';
import { SIM_ERRORS } from './sim.rules.js';

/** Outbox job kind of a simulated delivery report. */
export const SIM_DLR_JOB = 'sim-dlr';

/**
 * The simulated carrier: records the message in the handset's inbox and schedules its delivery
 * report as a durable job, all inside the caller's transaction. A repeated submit of the same
 * message is a no-op, so a handset never receives a message twice.
 */
export function simulatorCarrier(network: SimNetwork): Carrier {
  return {
    name: 'simulator',
    async submit(tx, { message, body, mediaUrls, numSegments }, now) {
      const decision = network.decide(message.to, message.sid);
      const { outcome } = decision;
      if (outcome.status === 'failed') {
        return {
          ok: false,
          errorCode: outcome.errorCode,
          errorMessage: SIM_ERRORS[outcome.errorCode] ?? 'Unknown error',
        };
      }
      const ref = `SIM${message.sid.slice(2)}`;
      const fresh = await tx.sim.record({
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
      if (fresh && outcome.status !== 'no-dlr') {
        await tx.outbox.enqueue([
          {
            kind: SIM_DLR_JOB,
            ref: message.sid,
            runAt: now + decision.delayMs,
            payload: outcome,
            createdAt: now,
          },
        ]);
      }
      return { ok: true, ref };
    },
  };
}
