import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import { pendingMedia } from '../media/media.pending.js';
import { countSegments, smartEncoded } from './segments.js';

/** A reply to send (from TwiML `<Message>` or an opt-out confirmation). */
export interface ReplyRequest {
  accountSid: string;
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
  /** TwiML `action`: where this reply's status callbacks go. */
  statusCallback: string | null;
  statusCallbackMethod: 'GET' | 'POST';
  messagingServiceSid: string | null;
  /** The opt-out confirmation itself is sent to a recipient who just opted out. */
  bypassOptOut?: boolean;
}

/** Twilio's reply-loop guard: more than 30 replies between two numbers within 30 s fail. */
export const REPLY_LOOP = { max: 30, windowMs: 30_000, code: 14107 } as const;

/** Decides whether a recipient opted out of this sender (21610); injected by the opt-out module. */
export type OptOutCheck = (
  tx: Store,
  m: { accountSid: string; from: string | null; messagingServiceSid: string | null; to: string },
) => Promise<boolean>;

/**
 * Creates an `outbound-reply` message inside the caller's transaction. It goes through the same
 * delivery pipeline as API sends (its dispatch job commits with it), unless the loop guard
 * (14107) or an opt-out (21610) fails it at once.
 */
export async function createReply(
  tx: Store,
  deps: { clock: Clock; ids: Ids; isBlocked?: OptOutCheck },
  req: ReplyRequest,
): Promise<Message> {
  const now = deps.clock.now();
  const recent = await tx.messages.countRecent({
    accountSid: req.accountSid,
    from: req.from,
    to: req.to,
    direction: 'outbound-reply',
    since: now - REPLY_LOOP.windowMs,
  });
  const blocked =
    !req.bypassOptOut && deps.isBlocked ? await deps.isBlocked(tx, { ...req }) : false;
  const failure =
    recent >= REPLY_LOOP.max
      ? { errorCode: REPLY_LOOP.code, errorMessage: 'Message loop detected' }
      : blocked
        ? { errorCode: 21610, errorMessage: 'Attempt to send to unsubscribed recipient' }
        : null;
  const options: Record<string, string | string[]> = {};
  if (req.mediaUrls.length > 0) options['MediaUrl'] = req.mediaUrls;
  if (req.statusCallback && req.statusCallbackMethod !== 'POST') {
    options['StatusCallbackMethod'] = req.statusCallbackMethod;
  }
  // Sent through a Messaging Service (the number is in one): its SmartEncoding counts.
  const service = req.messagingServiceSid
    ? await tx.services.findBySid(req.messagingServiceSid)
    : undefined;
  const smart = smartEncoded(options, service?.config.smartEncoding);
  const message: Message = {
    seq: 0,
    sid: deps.ids.sid(req.mediaUrls.length > 0 ? 'MM' : 'SM'),
    accountSid: req.accountSid,
    direction: 'outbound-reply',
    status: failure ? 'failed' : 'queued',
    from: req.from,
    to: req.to,
    body: req.body,
    numSegments: countSegments(req.body, { smartEncoded: smart }).segments,
    numMedia: req.mediaUrls.length,
    messagingServiceSid: req.messagingServiceSid,
    errorCode: failure?.errorCode ?? null,
    errorMessage: failure?.errorMessage ?? null,
    price: null,
    priceUnit: 'USD',
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    sendAt: null,
    statusCallback: req.statusCallback,
    tags: {},
    options,
    carrierRef: null,
  };
  const stored = await tx.messages.insert(
    message,
    failure ? undefined : { kind: 'dispatch', runAt: now },
  );
  // Its Media exist from the start, like an API send's (num_media = the Media list).
  await tx.media.insertMany(pendingMedia(deps.ids, stored, req.mediaUrls));
  return stored;
}
