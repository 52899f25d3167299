import type { Clock } from '../clock.js';
import type { BatchHandler, BatchOutcome, JobHandler, JobOutcome, Later } from '../jobs/job.js';
import { countSegments, smartEncoded } from '../messages/segments.js';
import type { Message } from '../store/records.js';
import type { OutboxJob, Store } from '../store/store.js';
import type { Carrier } from './carrier.js';
import type { Router } from './carriers/router.js';
import type { NetworkResult } from './network.carrier.js';
import { advance, type StatusCallbacks } from './lifecycle.js';
import type { PriceTable } from './pricing.js';
import { ACCOUNT_SUSPENDED, EXPIRED, maySend, onAir } from './dispatch.rules.js';
import { sendQueued, type ReadyMessage } from './dispatch.send.js';
import { EMPTY_POOL_ERROR } from '../messaging-services/messaging-services.sender.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import { MAX_BACKLOG_MS, type Pacer } from './pacing.js';
import { calledOff, originOf, type OutboundGate } from '../http/outbound.gate.js';
import { mediaUrlsOf } from '../media/media.fetch.js';
import { MEDIA_LIMITS } from '../media/media.types.js';

/** Outbox job kind that sends a message. */
export const DISPATCH_JOB = 'dispatch';

/** Result of preparing a message's media before submission. */
export type MediaResult =
  { ok: true; urls: string[] } | { ok: false; errorCode: number; errorMessage: string };

/** Everything the dispatcher works with. */
export interface DispatchDeps {
  store: Store;
  clock: Clock;
  carrier: Carrier;
  prices: PriceTable;
  callbacks: StatusCallbacks;
  /** Picks a sender from the message's Messaging Service pool; null when it has none. */
  pickSender?: (tx: Store, message: Message) => Promise<string | null>;
  /** Picks each message's carriers (`ROUTES`); without it every message goes to `carrier`. */
  router?: Router;
  /** Told of every network send's result (metrics). */
  observeSubmit?: (carrier: string, result: NetworkResult) => void;
  /** Per-sender pacing (off when absent). */
  pacer?: Pacer;
  /** Fetches and stores MediaUrl content; the URLs handed to the carrier on success. */
  prepareMedia?: (message: Message) => Promise<MediaResult>;
  /**
   * Slots of media fetches per MediaUrl origin and per account: an MMS is sent (its media
   * fetched) as background work once it has them, so a MediaUrl that hangs holds up nothing
   * but the MMS waiting on the same origin. Without one, media are fetched on the spot.
   */
  mediaGate?: OutboundGate;
}

/**
 * Takes one message from its starting status to `sent` (or `failed`): scheduled → queued at
 * SendAt; accepted → queued once a sender is picked; queued → sending → sent through the
 * carrier by {@link sendQueued}, the same path as the batch form's (a batch of one). Each step is a conditional
 * transition, so a retaken job resumes where its predecessor stopped and never submits twice.
 */
export function dispatchHandler(deps: DispatchDeps): JobHandler {
  const { store, clock, callbacks } = deps;
  const fail = (m: Message, errorCode: number, errorMessage: string) =>
    store.transaction((tx) =>
      advance(tx, callbacks, m, { status: 'failed', errorCode, errorMessage }, clock.now()),
    );

  const single = async (
    job: OutboxJob,
    ctx?: { signal?: AbortSignal },
  ): Promise<JobOutcome | Later> => {
    let m = await store.messages.findBySid(job.ref);
    for (let step = 0; m && step < 4; step++) {
      const now = clock.now();
      if (m.status === 'scheduled' && m.sendAt !== null && now < m.sendAt) {
        return { retryAt: m.sendAt };
      }
      if (m.status === 'scheduled' || m.status === 'accepted') {
        // Both wait for a sender when sent through a Messaging Service: pick it now, at the
        // moment of sending (sticky per recipient), then queue.
        const current = m;
        m = await store.transaction(async (tx) => {
          const from = current.from ?? (await deps.pickSender?.(tx, current)) ?? null;
          if (from === null) return undefined;
          const service = current.messagingServiceSid
            ? await tx.services.findBySid(current.messagingServiceSid)
            : undefined;
          const numSegments = countSegments(current.body ?? '', {
            smartEncoded: smartEncoded(current.options, service?.config.smartEncoding),
          }).segments;
          return advance(tx, callbacks, current, { status: 'queued', from, numSegments }, now);
        });
        if (!m) {
          await fail(current, EMPTY_POOL_ERROR.code, EMPTY_POOL_ERROR.message);
          return { done: true };
        }
      } else if (m.status === 'queued' || m.status === 'sending') {
        // `sending`: a network send whose outcome was never recorded (a crash): sent again.
        // Live views (handset long-polls, the console) learn of every send at once.
        const announce = () => store.signals?.publish(EVENTS_CHANNEL);
        // Suspended or closed since it was queued: it never reaches the carrier.
        if (!(await maySend(store, m.accountSid))) {
          await fail(m, ACCOUNT_SUSPENDED.code, ACCOUNT_SUSPENDED.message);
          announce();
          return { done: true };
        }
        if (deps.pacer && m.from && job.payload['paced'] === undefined) {
          // Twilio fails a Messaging Service send whose sender queue is over 10 h with 30001.
          if (m.messagingServiceSid && deps.pacer.backlogMs(m.from, now) > MAX_BACKLOG_MS) {
            await fail(m, 30001, 'Queue overflow');
            return { done: true };
          }
          const slot = deps.pacer.reserve(m.from, m.numSegments, now);
          if (slot > now) return { retryAt: slot, payload: { ...job.payload, paced: slot } };
        }
        const message = m;
        const sendNow = async (): Promise<JobOutcome> => {
          const outcome = await send(deps, message, job.payload, fail);
          announce();
          return outcome;
        };
        if (message.numMedia === 0 || !deps.prepareMedia || !deps.mediaGate) return sendNow();
        // Fetching media may take long (a MediaUrl that never answers: the whole timeout).
        const keys = { origins: mediaUrlsOf(message).map(originOf), account: message.accountSid };
        const running = deps.mediaGate.run(keys, sendNow, ctx?.signal);
        if (running) return { later: running.catch((e: unknown) => calledOff(e, clock.now())) };
        // Every waiting place is taken: back after one fetch timeout, the longest a slot stays
        // taken (its pacing slot, if any, is kept).
        const retryAt = now + MEDIA_LIMITS.fetchTimeoutMs;
        return { retryAt, payload: deps.pacer ? { ...job.payload, paced: now } : job.payload };
      } else {
        return { done: true };
      }
    }
    return { done: true };
  };
  // Paced sends wait for their sender's slot one by one: no batch to gain there.
  return deps.pacer ? single : Object.assign(single, { batch: dispatchBatch(deps) });
}

/** Statuses a dispatch job still has work for. */
const DISPATCHABLE = new Set(['queued', 'sending', 'scheduled', 'accepted']);

/**
 * The batch form of {@link dispatchHandler} for the common case, queued messages without media
 * (pacing on has no batch form): one read for every message, then {@link sendQueued} on them
 * all — one transaction with multi-row statements that also removes the jobs. Every other job
 * (scheduled, accepted, MMS) goes through the per-job handler, where an MMS fetching its media
 * goes on in the background: this batch, and the next, never wait for a MediaUrl.
 */
function dispatchBatch(deps: DispatchDeps): BatchHandler {
  const { store } = deps;
  return async (jobs, { owner }) => {
    const outcomes = new Map<number, BatchOutcome>();
    const found = await store.messages.findManyBySid(jobs.map((j) => j.ref));
    const messages = new Map(found.map((m) => [m.sid, m]));
    const finished: number[] = [];
    const ready: ReadyMessage[] = [];
    const taken = new Set<string>();
    const byMessage = new Map<string, number>();
    for (const job of jobs) {
      const m = messages.get(job.ref);
      if (!m || !DISPATCHABLE.has(m.status)) {
        finished.push(job.id);
        continue;
      }
      const sendable = m.status === 'queued' || m.status === 'sending';
      if (!sendable || m.numMedia > 0 || taken.has(m.sid)) {
        outcomes.set(job.id, { perJob: true });
        continue;
      }
      taken.add(m.sid);
      ready.push({ message: m, mediaUrls: [], jobId: job.id, payload: job.payload });
      byMessage.set(m.sid, job.id);
    }
    const sends = await sendQueued(deps, ready, { jobIds: finished, owner });
    // Network sends go on in the background, each completing its job when recorded.
    for (const [sid, later] of sends) outcomes.set(byMessage.get(sid) as number, { later });
    return outcomes;
  };
}

/**
 * Sends one queued message through {@link sendQueued} (a batch of one, the path every message
 * takes): its media fetched first (MMS); an expired message fetches nothing.
 */
async function send(
  deps: DispatchDeps,
  m: Message,
  payload: Record<string, unknown>,
  fail: (m: Message, code: number, msg: string) => Promise<unknown>,
): Promise<JobOutcome> {
  const { store, clock } = deps;
  let mediaUrls: string[] = [];
  if (m.numMedia > 0 && deps.prepareMedia) {
    const service = m.messagingServiceSid
      ? await store.services.findBySid(m.messagingServiceSid)
      : undefined;
    if (onAir(m, service, clock.now()) === 'expired') {
      await fail(m, EXPIRED.code, EXPIRED.message);
      return { done: true };
    }
    const media = await deps.prepareMedia(m);
    if (!media.ok) {
      await fail(m, media.errorCode, media.errorMessage);
      return { done: true };
    }
    mediaUrls = media.urls;
  }
  const sends = await sendQueued(deps, [{ message: m, mediaUrls, payload }]);
  // A network send: its outcome (done, or retry with back-off) is the job's.
  return (await sends.get(m.sid)) ?? { done: true };
}
