import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { Carrier, Submission, SubmitResult } from './carrier.js';
import {
  advanceMany,
  reportExtras,
  reportPatch,
  type AdvanceItem,
  type StatusCallbacks,
} from './lifecycle.js';
import type { JobOutcome } from '../jobs/job.js';
import type { NetworkCarrier } from './network.carrier.js';
import { choose } from './carriers/router.js';
import { announced, sendOverNetwork } from './carriers/network.dispatch.js';
import { ACCOUNT_SUSPENDED, EXPIRED, maySend, onAir, resultPatch } from './dispatch.rules.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import { memoize } from '../jobs/memo.js';
import type { DispatchDeps } from './dispatch.handler.js';

/** A queued message on its way to the carrier, with the media URLs it carries (MMS). */
export interface ReadyMessage {
  message: Message;
  mediaUrls: string[];
  /** Its job, on the batch path (completed with the send). */
  jobId?: number;
  /** Its job's payload (network retries). */
  payload?: Record<string, unknown>;
}

/** Jobs to complete in the transaction that records the sends (the batch path). */
export interface Settle {
  /** Jobs with nothing left to do (their message gone or settled), besides the ready ones'. */
  jobIds: number[];
  owner: string;
}

/** Network sends still going on, by message SID: their job's outcome (undefined: settled). */
export type NetworkSends = Map<string, Promise<JobOutcome | undefined>>;

/**
 * The one way a queued message reaches a carrier, for a batch and for a single job alike (a
 * batch of one): a suspended account's messages fail with 30002, expired ones with 30036, the
 * others move to `sending`, go to the carrier and become `sent` (or `failed`), with every
 * status callback, in one transaction that also completes `settle`'s jobs. Each move is a
 * conditional transition from the status read, so a message another worker moved on is left
 * alone and nothing is submitted twice. A message its route sends to a network carrier only
 * moves to `sending` there: its send and the record of its outcome follow outside that
 * transaction ({@link sendOverNetwork}), returned by SID for the caller to wait on.
 */
export async function sendQueued(
  deps: DispatchDeps,
  ready: readonly ReadyMessage[],
  settle?: Settle,
): Promise<NetworkSends> {
  const { store, clock, callbacks } = deps;
  const serviceOf = memoize((sid) => store.services.findBySid(sid));
  const active = memoize((sid) => maySend(store, sid));
  const expired: Message[] = [];
  const suspended: Message[] = [];
  const toSend: (ReadyMessage & { m: Message; body: string; segments: number })[] = [];
  const done: number[] = [...(settle?.jobIds ?? [])];
  const network: { item: (typeof toSend)[number]; carriers: NetworkCarrier[] }[] = [];
  for (const item of ready) {
    const { message: m } = item;
    if (!(await active(m.accountSid))) {
      suspended.push(m);
      if (item.jobId !== undefined) done.push(item.jobId);
      continue;
    }
    const service = m.messagingServiceSid ? await serviceOf(m.messagingServiceSid) : undefined;
    const air = onAir(m, service, clock.now());
    if (air === 'expired') {
      expired.push(m);
      if (item.jobId !== undefined) done.push(item.jobId);
      continue;
    }
    const one = { ...item, m, body: air.body, segments: air.segments };
    const route = choose(deps.router?.candidates(m) ?? [deps.carrier]);
    // A network send's job stays until its outcome is recorded (a second transaction).
    if ('network' in route) network.push({ item: one, carriers: route.network });
    else {
      toSend.push(one);
      if (item.jobId !== undefined) done.push(item.jobId);
    }
  }
  const sent = new Map<string, Message>();

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
      // `sending`: a network send retaken after a crash.
      ['queued', 'sending'],
    );
    // Network sends: `sending` now (its callback once: not again after a retry or a crash).
    const loud = network.filter(({ item }) => !announced(item.m, item.payload));
    const quiet = network.filter(({ item }) => announced(item.m, item.payload));
    for (const [list, cb] of [
      [loud, callbacks],
      [quiet, silent],
    ] as const) {
      const moved = await advanceMany(
        tx,
        cb,
        list.map(({ item: { m } }) => ({ sid: m.sid, message: m, patch: { status: 'sending' } })),
        now,
        ['queued', 'sending'],
      );
      for (const [sid, m] of moved) sent.set(sid, m);
    }
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
    if (settle && done.length > 0) await tx.outbox.completeMany(done, settle.owner);
  });
  // Live views (handset long-polls, the console) learn of the sends at once.
  if (ready.length > 0) store.signals?.publish(EVENTS_CHANNEL);
  // Then, outside any transaction, the network sends of the messages moved to `sending`.
  const sends: NetworkSends = new Map();
  for (const { item, carriers } of network) {
    const message = sent.get(item.m.sid);
    if (!message) continue;
    const submission = {
      message,
      body: item.body,
      mediaUrls: item.mediaUrls,
      numSegments: item.segments,
    };
    const job =
      settle && item.jobId !== undefined ? { id: item.jobId, owner: settle.owner } : undefined;
    sends.set(message.sid, sendOverNetwork(deps, carriers, submission, item.payload ?? {}, job));
  }
  return sends;
}

/** Status callbacks that are not sent (a move already announced). */
const silent: StatusCallbacks = async () => {};

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
