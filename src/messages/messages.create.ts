import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest } from '../http/errors.js';
import { many, single, type FormParams } from '../http/form.js';
import type { Account, Message, MessageStatus } from '../store/records.js';
import type { OutboxEntry, Store } from '../store/store.js';
import { parsePhone, parseSender, type PhoneAddress } from './addresses.js';
import { magicFrom, MAGIC_FROM_OK, magicTo, notMessageCapable } from './magic-numbers.js';
import type { Credentials } from '../http/auth.js';
import { httpUrl, readOptions } from './messages.params.js';
import { countSegments, smartEncoded } from './segments.js';
import { parseTags } from './tags.js';
import { checkApplicationSid } from '../applications/applications.check.js';
import { checkMessagingServiceSid } from '../messaging-services/messaging-services.check.js';
import { isBlocked } from '../optout/optout.service.js';

/** Twilio's limits on a create request. */
export const CREATE_LIMITS = {
  bodyCharacters: 1600,
  media: 10,
  /** SendAt must be at least this far ahead… */
  scheduleMinMs: 300_000,
  /** …and at most this far (35 days). */
  scheduleMaxMs: 35 * 86_400_000,
} as const;

/** What the service needs to create messages. */
export interface CreateDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  /** How many ms of messages the sender already has queued (pacing on); 21611 past 10 h. */
  backlogMs?: (sender: string, now: number) => number;
}

const SEND_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Validates a `POST …/Messages.json` form in Twilio's order and builds the message, its
 * starting status and its outbox entry. Throws TwilioError (400) on the first failed rule.
 * With test credentials the magic numbers apply, and `From` must be one of them.
 */
export async function buildOutbound(
  deps: CreateDeps,
  account: Account,
  params: FormParams,
  credentials: Credentials = 'live',
): Promise<{ message: Message; outbox: OutboxEntry }> {
  const now = deps.clock.now();
  const rawTo = single(params, 'To');
  if (rawTo === undefined || rawTo.trim() === '') {
    throw badRequest(21604, "A 'To' phone number is required.");
  }
  if (credentials === 'test') magicTo(rawTo);
  const to = parsePhone(rawTo);
  if (!to) throw badRequest(21211, `The 'To' number ${rawTo} is not a valid phone number.`);

  const serviceSid = single(params, 'MessagingServiceSid') || undefined;
  const rawFrom = single(params, 'From') || undefined;
  if (rawFrom === undefined && serviceSid === undefined) {
    throw badRequest(21603, "A 'From' phone number is required.");
  }
  // 21705 when not an MG SID, 21701 when the account has no such service.
  const service =
    serviceSid === undefined
      ? undefined
      : await checkMessagingServiceSid(deps.store, account, serviceSid);
  const from =
    rawFrom === undefined ? null : await checkSender(deps.store, account, rawFrom, to, credentials);
  if (from !== null && !serviceSid && (deps.backlogMs?.(from, now) ?? 0) > 10 * 3600 * 1000) {
    throw badRequest(
      21611,
      `This 'From' number (${from}) has exceeded the maximum number of queued messages`,
    );
  }
  // The handset texted STOP to this number or its Messaging Service (Twilio's 21610).
  const pair = { accountSid: account.sid, from, messagingServiceSid: serviceSid ?? null };
  if (await isBlocked(deps.store, { ...pair, to: to.address })) {
    throw badRequest(21610, 'Attempt to send to unsubscribed recipient');
  }

  const body = single(params, 'Body');
  const mediaUrls = many(params, 'MediaUrl').filter((u) => u !== '');
  const contentSid = single(params, 'ContentSid') || undefined;
  // twilio.com/docs/api/errors/21654: ContentVariables need a ContentSid.
  if (!contentSid && single(params, 'ContentVariables')) {
    throw badRequest(21654, 'ContentSid Required');
  }
  // twilio.com/docs/api/errors/21655: a ContentSid that names no template of the account. Loft
  // has no Content API and stores no templates, so no ContentSid names one.
  if (contentSid) throw badRequest(21655, 'The ContentSid is Invalid');
  if ((body === undefined || body === '') && mediaUrls.length === 0 && !contentSid) {
    throw badRequest(21602, 'Message body is required.');
  }
  if (body !== undefined && [...body].length > CREATE_LIMITS.bodyCharacters) {
    throw badRequest(21617, 'The concatenated message body exceeds the 1600 character limit.');
  }
  if (mediaUrls.length > CREATE_LIMITS.media) {
    throw badRequest(21623, 'The number of media files exceeds the maximum of 10 per message.');
  }
  const badMedia = mediaUrls.find((u) => !httpUrl(u));
  if (badMedia !== undefined) throw badRequest(21620, `Invalid media URL(s): ${badMedia}`);

  const statusCallback = single(params, 'StatusCallback') || null;
  if (statusCallback !== null && !httpUrl(statusCallback)) {
    throw badRequest(21609, `Invalid StatusCallback URL: ${statusCallback}`);
  }
  const tags = parseTags(single(params, 'Tags'));
  const options = readOptions(params);
  const applicationSid = options['ApplicationSid'];
  if (typeof applicationSid === 'string') {
    await checkApplicationSid(deps.store, account, applicationSid); // 21218 when not the account's
  }
  const sendAt = scheduleOf(params, serviceSid, now);

  const status: MessageStatus = sendAt !== null ? 'scheduled' : serviceSid ? 'accepted' : 'queued';
  const smart = smartEncoded(options, service?.config.smartEncoding);
  const segments = countSegments(body ?? '', { smartEncoded: smart }).segments;
  const message: Message = {
    seq: 0,
    sid: deps.ids.sid(mediaUrls.length > 0 ? 'MM' : 'SM'),
    accountSid: account.sid,
    direction: 'outbound-api',
    status,
    from,
    to: to.address,
    body: body ?? '',
    // Twilio quirk: a Messaging Service send reports num_segments "0" until a sender is picked.
    numSegments: from === null ? 0 : segments,
    numMedia: mediaUrls.length,
    messagingServiceSid: serviceSid ?? null,
    errorCode: null,
    errorMessage: null,
    price: null,
    priceUnit: 'USD',
    dateCreated: now,
    dateUpdated: now,
    dateSent: null,
    sendAt,
    statusCallback,
    tags,
    options,
    carrierRef: null,
  };
  return { message, outbox: { kind: 'dispatch', runAt: sendAt ?? now } };
}

async function checkSender(
  store: Store,
  account: Account,
  raw: string,
  to: PhoneAddress,
  credentials: Credentials,
): Promise<string> {
  const trimmed = raw.trim();
  if (credentials === 'test') magicFrom(trimmed);
  const sender = parseSender(trimmed);
  if (!sender) {
    throw badRequest(
      21212,
      `The 'From' number ${raw} is not a valid phone number, shortcode, or alphanumeric sender ID.`,
    );
  }
  // twilio.com/docs/api/errors/21266: a number cannot text itself.
  if (sender.address === to.address) {
    throw badRequest(21266, "'To' and 'From' numbers cannot be the same");
  }
  // Test credentials own no numbers: every From but the magic one is 21606 (docs table).
  if (credentials === 'test') {
    if (sender.address === MAGIC_FROM_OK) return sender.address;
    throw notMessageCapable(sender.address);
  }
  if (sender.kind === 'alphanumeric') {
    // Alphanumeric sender IDs are not supported towards the US and Canada.
    if (to.country === 'US' || to.country === 'CA') {
      throw badRequest(
        21612,
        `The 'To' phone number: ${to.address}, is not currently reachable using the 'From' phone number: ${sender.address} via SMS.`,
      );
    }
    return sender.address;
  }
  const known =
    sender.kind === 'phone' ? await store.phoneNumbers.findByNumber(sender.e164) : undefined;
  // twilio.com/docs/api/errors/21659: not a number of any account (Loft has no short codes).
  if (!known) {
    throw badRequest(21659, "'From' is not a Twilio phone number or Short Code country mismatch");
  }
  // twilio.com/docs/api/errors/21660: another account's (a parent's, sibling's…) number.
  if (known.accountSid !== account.sid) {
    throw badRequest(21660, "Mismatch between the 'From' number and the account");
  }
  // twilio.com/docs/api/errors/21606: the account's own number, but not SMS-capable.
  if (!known.config.capabilities.sms) throw notMessageCapable(sender.address);
  return sender.address;
}

function scheduleOf(
  params: FormParams,
  serviceSid: string | undefined,
  now: number,
): number | null {
  const type = single(params, 'ScheduleType');
  if (type === undefined || type === '') return null;
  const raw = single(params, 'SendAt');
  if (raw === undefined || raw === '') {
    throw badRequest(
      35111,
      "SendAt timestamp is missing. It is required when ScheduleType is 'fixed'.",
    );
  }
  if (!serviceSid) {
    throw badRequest(35118, 'MessagingServiceSid is required to schedule a message.');
  }
  const at = SEND_AT.test(raw) ? Date.parse(raw) : NaN;
  if (Number.isNaN(at)) {
    throw badRequest(35115, `SendAt '${raw}' is not a valid YYYY-MM-DDTHH:MM:SSZ timestamp.`);
  }
  if (at - now < CREATE_LIMITS.scheduleMinMs || at - now > CREATE_LIMITS.scheduleMaxMs) {
    throw badRequest(
      35114,
      'SendAt time must be between 300 seconds and 35 days (3024000 seconds) in the future, inclusive.',
    );
  }
  return at;
}
