import type { JobOutcome } from '../../jobs/job.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import type { Message } from '../../store/records.js';
import type { Submission } from '../carrier.js';
import type { DispatchDeps } from '../dispatch.handler.js';
import { resultPatch } from '../dispatch.rules.js';
import { advance } from '../lifecycle.js';
import type { NetworkCarrier, NetworkResult } from '../network.carrier.js';
import { settleParts } from './receipts.js';

/** Job payload key: how many times the network answered `retry` for this message. */
export const NETWORK_RETRIES = 'networkRetries';

/** Back-off of a message the network could not take now: 1 s, doubling, at most 60 s. */
const backoffMs = (retries: number) => Math.min(60_000, 1000 * 2 ** Math.min(retries, 6));

/** The job a network send settles, when it runs as part of a batch (else the runner does). */
export interface NetworkJob {
  id: number;
  owner: string;
}

/**
 * The second half of a network send, after the message's move to `sending` committed: `send`
 * outside any transaction (failing over to the next carrier that is ready on `retry`), then one
 * transaction that records the outcome — `sent` with its parts (a receipt that came first is
 * applied), `failed` with the carrier's error, or back to `queued` without a callback (Twilio
 * shows a waiting message as queued) and the job retried with back-off. A crash before that
 * transaction leaves the message `sending` with its job: the retake sends again (at-least-once).
 * With `job`, the job is completed in the same transaction (resolves undefined); without, the
 * outcome is returned for the runner.
 */
export async function sendOverNetwork(
  deps: DispatchDeps,
  carriers: readonly NetworkCarrier[],
  submission: Submission,
  payload: Record<string, unknown>,
  job: NetworkJob | undefined,
): Promise<JobOutcome | undefined> {
  const { store, clock, callbacks } = deps;
  let result: NetworkResult = { ok: false, retry: true, reason: 'no carrier' };
  let used: NetworkCarrier | undefined;
  for (const [i, c] of carriers.entries()) {
    if (i > 0 && !c.ready()) continue;
    used = c;
    result = await c.send(submission);
    deps.observeSubmit?.(c.name, result);
    if (result.ok || !result.retry) break;
  }
  const m = submission.message;
  const retries = Number(payload[NETWORK_RETRIES] ?? 0);
  const outcome = await store.transaction(async (tx): Promise<JobOutcome> => {
    const now = clock.now();
    if (result.ok) {
      const patch = resultPatch(
        deps.prices,
        m,
        { ok: true, ref: result.parts[0] ?? '' },
        submission.numSegments,
        now,
      );
      const sent = await advance(tx, callbacks, m, patch, now);
      if (sent && used) {
        const parts = await tx.carrierParts.record(
          result.parts.map((messageId, part) => ({
            carrier: (used as NetworkCarrier).name,
            messageId,
            messageSid: m.sid,
            part,
          })),
          now,
        );
        // Receipts that came before this transaction are in the rows already.
        if (parts.some((p) => p.status !== 'sent'))
          await settleParts(tx, callbacks, sent, parts, now);
      }
    } else if (!result.retry) {
      const refused = {
        ok: false as const,
        errorCode: result.errorCode,
        errorMessage: result.errorMessage,
      };
      await advance(tx, callbacks, m, resultPatch(deps.prices, m, refused, 0, now), now);
    } else {
      await tx.messages.transition(m.sid, { status: 'queued' }, now, ['sending']);
      const retryAt = Math.max(result.retryAt ?? 0, now + backoffMs(retries));
      return { retryAt, payload: { ...payload, [NETWORK_RETRIES]: retries + 1 } };
    }
    if (job) await tx.outbox.completeMany([job.id], job.owner);
    return { done: true };
  });
  store.signals?.publish(EVENTS_CHANNEL);
  return job && 'done' in outcome ? undefined : outcome;
}

/** Whether a message's `sending` callback went out already (a retake, or after a `retry`). */
export const announced = (m: Message, payload: Record<string, unknown> | undefined): boolean =>
  m.status === 'sending' || Number(payload?.[NETWORK_RETRIES] ?? 0) > 0;
