import type { JobOutcome } from '../../jobs/job.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import { groupCommit } from '../../store/group-commit.js';
import type { Store } from '../../store/store.js';
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
 * transaction, shared with the outcomes answered meanwhile, that records the outcome — `sent` with its parts (a receipt that came first is
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
  let result: NetworkResult = { ok: false, retry: true, reason: 'no carrier' };
  let used: NetworkCarrier | undefined;
  for (const [i, c] of carriers.entries()) {
    if (i > 0 && !c.ready()) continue;
    used = c;
    result = await c.send(submission);
    deps.observeSubmit?.(c.name, result);
    if (result.ok || !result.retry) break;
  }
  const outcome = await recorderOf(deps)({ submission, result, used, payload, job });
  deps.store.signals?.publish(EVENTS_CHANNEL);
  return job && 'done' in outcome ? undefined : outcome;
}

/** One network send's outcome, waiting to be recorded. */
interface SendOutcome {
  submission: Submission;
  result: NetworkResult;
  used: NetworkCarrier | undefined;
  payload: Record<string, unknown>;
  job: NetworkJob | undefined;
}

type Recorder = (o: SendOutcome) => Promise<JobOutcome>;
const recorders = new WeakMap<DispatchDeps, Recorder>();

/**
 * The outcomes of the sends answered meanwhile, recorded together in one transaction (a group
 * commit): answered sends do not queue up for a commit each, which keeps the window of doubt
 * (answered by the SMSC, not yet recorded) short under load.
 */
function recorderOf(deps: DispatchDeps): Recorder {
  let recorder = recorders.get(deps);
  if (!recorder) {
    recorder = groupCommit((items: SendOutcome[]) =>
      deps.store.transaction(async (tx) => {
        const out: JobOutcome[] = [];
        for (const o of items) out.push(await recordOne(deps, tx, o, deps.clock.now()));
        return out;
      }),
    );
    recorders.set(deps, recorder);
  }
  return recorder;
}

/** Records one send's outcome inside `tx` (see {@link sendOverNetwork}). */
async function recordOne(
  deps: DispatchDeps,
  tx: Store,
  { submission, result, used, payload, job }: SendOutcome,
  now: number,
): Promise<JobOutcome> {
  const { callbacks } = deps;
  const m = submission.message;
  if (result.ok) {
    const ref = { ok: true as const, ref: result.parts[0] ?? '' };
    const patch = resultPatch(deps.prices, m, ref, submission.numSegments, now);
    const sent = await advance(tx, callbacks, m, patch, now);
    if (sent && used) {
      const parts = await tx.carrierParts.record(
        result.parts.map((messageId, part) => ({
          carrier: used.name,
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
    const retries = Number(payload[NETWORK_RETRIES] ?? 0);
    await tx.messages.transition(m.sid, { status: 'queued' }, now, ['sending']);
    const retryAt = Math.max(result.retryAt ?? 0, now + backoffMs(retries));
    return { retryAt, payload: { ...payload, [NETWORK_RETRIES]: retries + 1 } };
  }
  if (job) await tx.outbox.completeMany([job.id], job.owner);
  return { done: true };
}

/** Whether a message's `sending` callback went out already (a retake, or after a `retry`). */
export const announced = (m: Message, payload: Record<string, unknown> | undefined): boolean =>
  m.status === 'sending' || Number(payload?.[NETWORK_RETRIES] ?? 0) > 0;
