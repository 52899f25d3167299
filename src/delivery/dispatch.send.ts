import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Carrier, Submission, SubmitResult } from './carrier.js';
import { advanceMany, reportExtras, reportPatch, type AdvanceItem } from './lifecycle.js';
import { ACCOUNT_SUSPENDED, EXPIRED, maySend, onAir, resultPatch } from './dispatch.rules.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import { memoize } from '../jobs/memo.js';
import type { DispatchDeps } from './dispatch.handler.js';

/** A queued message on its way to the carrier, with the media URLs it carries (MMS). */
export interface ReadyMessage {
  message: Message;
  mediaUrls: string[];
}

/** Jobs to complete in the transaction that records the sends (the batch path). */
export interface Settle {
  jobIds: number[];
  owner: string;
}

/**
 * The one way a queued message reaches a carrier, for a batch and for a single job alike (a
 * batch of one): a suspended account's messages fail with 30002, expired ones with 30036, the
 * others move to `sending`, go to the carrier and become `sent` (or `failed`), with every
 * status callback, in one transaction that also completes `settle`'s jobs. Each move is a
 * conditional transition from the status read, so a message another worker moved on is left
 * alone and nothing is submitted twice.
 */
export async function sendQueued(
  deps: DispatchDeps,
  ready: readonly ReadyMessage[],
  settle?: Settle,
): Promise<void> {
  const { store, clock, callbacks } = deps;
  const serviceOf = memoize((sid) => store.services.findBySid(sid));
  const active = memoize((sid) => maySend(store, sid));
  const expired: Message[] = [];
  const suspended: Message[] = [];
  const toSend: { m: Message; body: string; segments: number; mediaUrls: string[] }[] = [];
  for (const { message: m, mediaUrls } of ready) {
    if (!(await active(m.accountSid))) {
      suspended.push(m);
      continue;
    }
    const service = m.messagingServiceSid ? await serviceOf(m.messagingServiceSid) : undefined;
    const air = onAir(m, service, clock.now());
    if (air === 'expired') expired.push(m);
    else toSend.push({ m, body: air.body, segments: air.segments, mediaUrls });
  }

  await store.transaction(async (tx) => {
    const now = clock.now();
    await advanceMany(
      tx,
      callbacks,
      [
        ...expired.map((m) => failure(m, EXPIRED)),
        ...suspended.map((m) => failure(m, ACCOUNT_SUSPENDED)),
      ],
      now,
      ['queued'],
    );
    const sending = await advanceMany(
      tx,
      callbacks,
      toSend.map(({ m }) => ({ sid: m.sid, message: m, patch: { status: 'sending' } })),
      now,
      ['queued'],
    );
    // Only the messages moved to `sending` here go to the carrier: exactly once.
    const submissions: Submission[] = toSend.flatMap(({ m, body, segments, mediaUrls }) => {
      const message = sending.get(m.sid);
      return message ? [{ message, body, mediaUrls, numSegments: segments }] : [];
    });
    const results = deps.carrier.submitMany
      ? await deps.carrier.submitMany(tx, submissions, now)
      : await submitEach(tx, deps.carrier, submissions, now);
    // A message without a result would stay in `sending` with its job gone: roll back (the
    // runner then runs these jobs one by one).
    if (results.length !== submissions.length) {
      throw new Error(
        `carrier returned ${results.length} results for ${submissions.length} submissions`,
      );
    }
    // Failed or sent, each with its callbacks; a report the carrier already had moves the
    // message on from `sent` in the same update (only `ok` results carry one).
    const answered = submissions.map(({ message: m, numSegments }, i): AdvanceItem => {
      const r = results[i] as SubmitResult;
      const patch = resultPatch(deps.prices, m, r, numSegments, now);
      const report = r.ok ? r.report : undefined;
      return report
        ? {
            sid: m.sid,
            message: m,
            patch,
            then: { patch: reportPatch(report), extras: reportExtras(report) },
          }
        : { sid: m.sid, message: m, patch };
    });
    await advanceMany(tx, callbacks, answered, now, ['sending']);
    if (settle && settle.jobIds.length > 0)
      await tx.outbox.completeMany(settle.jobIds, settle.owner);
  });
  // Live views (handset long-polls, the console) learn of the sends at once.
  if (ready.length > 0) store.signals?.publish(EVENTS_CHANNEL);
}

/** A queued message failed with `error` before it reaches the carrier. */
export const failure = (m: Message, error: { code: number; message: string }): AdvanceItem => ({
  sid: m.sid,
  message: m,
  patch: { status: 'failed', errorCode: error.code, errorMessage: error.message },
});

async function submitEach(
  tx: Store,
  carrier: Carrier,
  submissions: readonly Submission[],
  now: number,
): Promise<SubmitResult[]> {
  const results: SubmitResult[] = [];
  for (const s of submissions) results.push(await carrier.submit(tx, s, now));
  return results;
}
