import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, TwilioError } from '../http/errors.js';
import { inStanding, requireActive } from '../http/auth.js';
import { parsePhone } from '../messages/addresses.js';
import { createReply, type OptOutCheck } from '../messages/messages.reply.js';
import { httpUrl } from '../messages/messages.params.js';
import { countSegments } from '../messages/segments.js';
import { fetchAllMedia, storedRows } from '../media/media.fetch.js';
import type { Outbound } from '../http/outbound.js';
import { mediaContentUrl } from '../media/media.mapper.js';
import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import { enqueueWebhook } from '../webhooks/webhooks.enqueue.js';
import { priceOf, type PriceTable } from '../delivery/pricing.js';
import { inboundParams, inboundTarget } from './inbound.webhook.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';

/** A message arriving from the network (the simulator now, a carrier later). */
export interface InboundInput {
  /** The sender (a handset). */
  from: string;
  /** One of the accounts' numbers. */
  to: string;
  body: string;
  mediaUrls: string[];
  /**
   * Whether a number of this account may receive it (the simulator's caller's own numbers);
   * a refused one answers exactly like an unknown number. Absent: every account's.
   */
  accepts?: (accountSid: string) => Promise<boolean>;
}

/** What an opt-out keyword did, as the opt-out module reports it. */
export interface OptOutResult {
  type: 'STOP' | 'START' | 'HELP' | null;
  reply: string | null;
}

/** Everything the ingest path needs. */
export interface IngestDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  publicBaseUrl: string;
  prices: PriceTable;
  /** Opt-out keyword handling (block/unblock and the confirmation text). */
  applyOptOut?: (
    tx: Store,
    m: {
      accountSid: string;
      from: string;
      to: string;
      messagingServiceSid: string | null;
      body: string;
    },
    now: number,
  ) => Promise<OptOutResult>;
  isBlocked?: OptOutCheck;
  /** Wakes the workers after the commit (webhook, replies). */
  notify?: () => void;
  /** Told about every ingested message (live views, long-polls). */
  onIngest?: (m: Message) => void;
  /** The HTTP client of media fetches (OUTBOUND_DENY); default denies nothing. */
  outbound?: Outbound;
}

/**
 * The one way a message enters from the network: validates, stores its media, records the
 * `received` message, applies opt-out keywords (with their confirmation reply), and queues the
 * signed webhook to the number's (or its service's, or application's) URL — all committed in one
 * transaction, so the webhook is sent exactly when the message exists.
 */
export async function ingestInbound(deps: IngestDeps, input: InboundInput): Promise<Message> {
  const { store, clock, ids } = deps;
  const from = parsePhone(input.from);
  if (!from)
    throw badRequest(21211, `The 'From' number ${input.from} is not a valid phone number.`);
  const to = parsePhone(input.to);
  if (!to) throw badRequest(21211, `The 'To' number ${input.to} is not a valid phone number.`);
  const unknownNumber = () =>
    new TwilioError(404, 20404, `The number ${to.e164} is not a phone number of any account here`);
  const number = await store.phoneNumbers.findByNumber(to.e164);
  if (!number || (input.accepts && !(await input.accepts(number.accountSid)))) {
    throw unknownNumber();
  }
  // A suspended or closed account (or one whose parent is) receives nothing: "While an account
  // is suspended it cannot [...] send and receive SMS messages" (twilio.com/docs/iam/api/subaccounts).
  // The sender is refused with the API's 401 / 20005, as a suspended account's own sends are;
  // only a caller that may act for the account gets this far, so it reveals nothing new.
  const owner = await store.accounts.get(number.accountSid);
  if (!owner) throw unknownNumber();
  requireActive(await inStanding(store, owner));
  if ([...input.body].length > 1600) {
    throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (input.mediaUrls.length > 10) {
    throw badRequest(21623, 'The number of media files exceeds the maximum of 10 per message.');
  }
  const bad = input.mediaUrls.find((u) => !httpUrl(u));
  if (bad !== undefined) throw badRequest(21620, `Invalid media URL(s): ${bad}`);

  const service = await store.services.findByPhoneNumber(number.sid);
  const now = clock.now();
  const segments = countSegments(input.body).segments;
  const message: Message = {
    seq: 0,
    sid: ids.sid(input.mediaUrls.length > 0 ? 'MM' : 'SM'),
    accountSid: number.accountSid,
    direction: 'inbound',
    status: 'received',
    from: from.address,
    to: number.phoneNumber,
    body: input.body,
    numSegments: segments,
    numMedia: input.mediaUrls.length,
    messagingServiceSid: service?.sid ?? null,
    errorCode: null,
    errorMessage: null,
    price: priceOf(deps.prices, to.country, segments, input.mediaUrls.length),
    priceUnit: 'USD',
    dateCreated: now,
    dateUpdated: now,
    dateSent: now,
    sendAt: null,
    statusCallback: null,
    tags: {},
    options: input.mediaUrls.length > 0 ? { MediaUrl: input.mediaUrls } : {},
    carrierRef: null,
  };
  // Fetched before anything is stored; the files are stored with the message, in its
  // transaction, so the message never exists without its Media (nor they without it).
  const fetched = await fetchAllMedia({ outbound: deps.outbound }, input.mediaUrls);
  if (!fetched.ok) throw badRequest(fetched.errorCode, fetched.errorMessage);
  const rows = storedRows({ ids }, message, fetched.files);
  const media = rows.map((r) => ({
    url: mediaContentUrl(deps.publicBaseUrl, r),
    contentType: r.contentType,
  }));

  const stored = await store.transaction(async (tx) => {
    const m = await tx.messages.insert(message);
    await tx.media.insertMany(rows);
    await tx.sim.record({
      messageSid: m.sid,
      direction: 'from-handset',
      accountSid: m.accountSid,
      handset: from.address,
      from: from.address,
      body: input.body,
      mediaUrls: input.mediaUrls,
      numSegments: segments,
      carrierRef: `SIM${m.sid.slice(2)}`,
      outcome: {},
      receivedAt: now,
    });
    const optOut = deps.applyOptOut
      ? await deps.applyOptOut(
          tx,
          {
            accountSid: m.accountSid,
            from: from.address,
            to: m.to,
            messagingServiceSid: m.messagingServiceSid,
            body: input.body,
          },
          now,
        )
      : { type: null, reply: null };
    if (optOut.reply) {
      await createReply(
        tx,
        { clock, ids, isBlocked: deps.isBlocked },
        {
          accountSid: m.accountSid,
          from: m.to,
          to: from.address,
          body: optOut.reply,
          mediaUrls: [],
          statusCallback: null,
          statusCallbackMethod: 'POST',
          messagingServiceSid: m.messagingServiceSid,
          bypassOptOut: true,
        },
      );
    }
    const target = await inboundTarget(tx, number, service);
    if (target) {
      await enqueueWebhook(
        tx,
        {
          accountSid: m.accountSid,
          orderKey: m.sid,
          kind: 'inbound',
          url: target.url,
          method: target.method,
          params: inboundParams(m, media, optOut.type),
          ...(target.fallbackUrl && {
            fallbackUrl: target.fallbackUrl,
            fallbackMethod: target.fallbackMethod,
          }),
        },
        now,
      );
    }
    return m;
  });
  deps.notify?.();
  store.signals?.publish(EVENTS_CHANNEL);
  deps.onIngest?.(stored);
  return stored;
}
