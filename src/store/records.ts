/** Domain records as the store returns them. Timestamps are epoch milliseconds (UTC). */

/** An HTTP method Twilio calls a webhook with. */
export type WebhookMethod = 'GET' | 'POST';

export interface Account {
  sid: string;
  /** The parent account; a main account owns itself. */
  ownerAccountSid: string;
  friendlyName: string;
  authToken: string;
  status: 'active' | 'suspended' | 'closed';
  type: 'Trial' | 'Full';
  dateCreated: number;
  dateUpdated: number;
}

/**
 * An account's test credentials, as Twilio gives every account: a test Account SID (distinct
 * from the live one) and a test auth token. They only create messages that are never stored.
 */
export interface TestCredentials {
  /** The live account they belong to. */
  accountSid: string;
  /** `AC…`: the username, and the account in the path, of requests made with them. */
  testSid: string;
  authToken: string;
  dateCreated: number;
}

export interface ApiKey {
  sid: string;
  accountSid: string;
  friendlyName: string;
  /** SHA-256 hex of the secret. */
  secretHash: string;
  dateCreated: number;
  dateUpdated: number;
}

/** The messaging-relevant settings of an IncomingPhoneNumber, and the rest of its fields. */
export interface PhoneNumberConfig {
  smsUrl: string;
  smsMethod: 'GET' | 'POST';
  smsFallbackUrl: string;
  smsFallbackMethod: 'GET' | 'POST';
  smsApplicationSid: string | null;
  capabilities: { voice: boolean; sms: boolean; mms: boolean; fax: boolean };
  /** Every other writable field (voice URLs, status callback, …) as sent, by wire name. */
  extra: Record<string, string>;
}

export interface PhoneNumber {
  sid: string;
  accountSid: string;
  phoneNumber: string;
  friendlyName: string;
  config: PhoneNumberConfig;
  dateCreated: number;
  dateUpdated: number;
}

export type MessageStatus =
  | 'queued'
  | 'sending'
  | 'sent'
  | 'failed'
  | 'delivered'
  | 'undelivered'
  | 'receiving'
  | 'received'
  | 'accepted'
  | 'scheduled'
  | 'read'
  | 'partially_delivered'
  | 'canceled';

export type MessageDirection = 'inbound' | 'outbound-api' | 'outbound-call' | 'outbound-reply';

export interface Message {
  /** Internal keyset position; 0 before insert. */
  seq: number;
  sid: string;
  accountSid: string;
  direction: MessageDirection;
  status: MessageStatus;
  from: string | null;
  to: string;
  body: string | null;
  numSegments: number;
  numMedia: number;
  messagingServiceSid: string | null;
  errorCode: number | null;
  errorMessage: string | null;
  price: string | null;
  priceUnit: string | null;
  dateCreated: number;
  dateUpdated: number;
  dateSent: number | null;
  sendAt: number | null;
  statusCallback: string | null;
  tags: Record<string, string>;
  /** Every other create parameter, by wire name, as received. */
  options: Record<string, string | string[]>;
  /** The carrier's id once submitted. */
  carrierRef: string | null;
}

/** Statuses in which a message is still being processed: not yet handed to the carrier. */
export const IN_FLIGHT_STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'accepted',
  'scheduled',
];

/**
 * Statuses in which Twilio refuses a delete (20009): in flight, or `sent` without a final
 * delivery report yet (Twilio support, quoted in github.com/code-dot-org/code-dot-org/pull/11188).
 */
export const UNFINISHED_STATUSES: readonly MessageStatus[] = [...IN_FLIGHT_STATUSES, 'sent'];

// Messaging Services (Messaging v1) and Applications (2010-04-01).
/** The settings of a Messaging Service other than its name (stored as one JSON column). */
export interface MessagingServiceConfig {
  /** Where inbound messages to the pool's numbers are sent; `null` disables inbound handling. */
  inboundRequestUrl: string | null;
  inboundMethod: WebhookMethod;
  fallbackUrl: string | null;
  fallbackMethod: WebhookMethod;
  /** Message status callback for messages sent through the service without their own. */
  statusCallback: string | null;
  /** Keep using the same pool number for a recipient. */
  stickySender: boolean;
  mmsConverter: boolean;
  /** Replace Unicode look-alikes with GSM-7 characters before counting segments. */
  smartEncoding: boolean;
  scanMessageContent: 'inherit' | 'enable' | 'disable';
  fallbackToLongCode: boolean;
  /** Prefer a pool number with the recipient's area code (US/Canada). */
  areaCodeGeomatch: boolean;
  /** Seconds a message may wait in the queue before it fails with 30036. */
  validityPeriod: number;
  synchronousValidation: boolean;
  usecase: string;
  usAppToPersonRegistered: boolean;
  /** Inbound messages use the number's own webhook instead of `inboundRequestUrl`. */
  useInboundWebhookOnNumber: boolean;
}

/** A Messaging Service (`MG…`): a pool of senders plus delivery settings. */
export interface MessagingService {
  sid: string;
  accountSid: string;
  friendlyName: string;
  config: MessagingServiceConfig;
  dateCreated: number;
  dateUpdated: number;
}

/** An IncomingPhoneNumber in a service's sender pool. */
export interface ServicePhoneNumber {
  serviceSid: string;
  /** The IncomingPhoneNumber's `PN…` SID (also the SID of the pool entry). */
  phoneNumberSid: string;
  accountSid: string;
  /** E.164. */
  phoneNumber: string;
  /** Capabilities of the IncomingPhoneNumber, as Twilio lists them: `MMS`, `SMS`, `Voice`, `Fax`. */
  capabilities: string[];
  dateCreated: number;
}

/** The writable settings of an Application, by meaning; unset URLs are `null`. */
export interface ApplicationConfig {
  apiVersion: string;
  voiceUrl: string | null;
  voiceMethod: WebhookMethod;
  voiceFallbackUrl: string | null;
  voiceFallbackMethod: WebhookMethod;
  statusCallback: string | null;
  statusCallbackMethod: WebhookMethod;
  voiceCallerIdLookup: boolean;
  smsUrl: string | null;
  smsMethod: WebhookMethod;
  smsFallbackUrl: string | null;
  smsFallbackMethod: WebhookMethod;
  smsStatusCallback: string | null;
  /** Status callback for messages created with this `ApplicationSid` and no `StatusCallback`. */
  messageStatusCallback: string | null;
  publicApplicationConnectEnabled: boolean;
}

/** A TwiML Application (`AP…`). */
export interface Application {
  sid: string;
  accountSid: string;
  friendlyName: string;
  config: ApplicationConfig;
  dateCreated: number;
  dateUpdated: number;
}

// Jobs, the simulated network, webhooks, media, feedback, opt-outs, idempotency keys, carrier parts.

/** A job to enqueue in the durable outbox. */
export interface NewOutboxJob {
  /** What handles it: `dispatch`, `dlr`, `webhook`, … */
  kind: string;
  /** The SID it is about. */
  ref: string;
  payload?: Record<string, unknown>;
  runAt: number;
  createdAt?: number;
}

/** A claimed job. */
export interface OutboxJob {
  id: number;
  kind: string;
  ref: string;
  payload: Record<string, unknown>;
  runAt: number;
  /** Failed attempts so far. */
  attempts: number;
}

/** A message as a virtual handset of the simulated network received it. */
export interface SimDelivery {
  messageSid: string;
  /** `to-handset` (received by the handset) or `from-handset` (sent by it). */
  direction: 'to-handset' | 'from-handset';
  accountSid: string;
  handset: string;
  from: string | null;
  body: string;
  mediaUrls: string[];
  numSegments: number;
  carrierRef: string;
  outcome: Record<string, unknown>;
  receivedAt: number;
}

/** A failure-injection rule as stored: its owner and its validated definition (JSON). */
export interface SimRuleRecord {
  /** Unique per owner. */
  id: string;
  /** The account whose messages it applies to; `null` for a network-wide rule. */
  accountSid: string | null;
  /** What the simulator validated (match, outcome or mix, delay); opaque to the store. */
  definition: Record<string, unknown>;
}

/** The simulated network's shared configuration, so every process decides alike. */
export interface SimNetworkRecord {
  /** In the order they are checked. */
  rules: SimRuleRecord[];
  /** The network-wide chaos mix (JSON as validated), or none. */
  chaos: Record<string, unknown> | null;
  /** Set at runtime or from start-up configuration; `null` = the process default. */
  deliveryDelayMs: number | null;
  seed: string | null;
}

/** Where a webhook is in its life: `pending` until delivered (2xx) or given up on. */
export type WebhookStatus = 'pending' | 'delivered' | 'failed';

/** Form parameters of a webhook; an array is a parameter repeated once per value. */
export type WebhookParams = Record<string, string | string[]>;

/** A webhook to store. */
export interface NewWebhook {
  accountSid: string;
  /** Webhooks with the same key (a message SID) are delivered strictly in creation order. */
  orderKey: string;
  /** `status-callback`, `inbound`, … */
  kind: string;
  url: string;
  method: WebhookMethod;
  params: WebhookParams;
  fallbackUrl: string | null;
  fallbackMethod: WebhookMethod | null;
  createdAt: number;
  /**
   * When its first round is due: given for the head of its order key's chain; absent or null
   * for one that waits behind an earlier pending webhook (made due when that one settles).
   */
  runAt?: number | null;
}

/** A stored webhook. */
export interface Webhook extends NewWebhook {
  id: number;
  status: WebhookStatus;
  /** Attempt rounds made so far (a round: the URL, then the fallback URL when there is one). */
  attempts: number;
  runAt: number | null;
  updatedAt: number;
}

/** One HTTP request made for a webhook, as the attempt log keeps it. */
export interface WebhookAttempt {
  id: number;
  webhookId: number;
  accountSid: string;
  orderKey: string;
  /** The URL requested (for GET, with the parameters in its query). */
  url: string;
  method: WebhookMethod;
  params: WebhookParams;
  /** The HTTP status, or null when no response came (see `error`). */
  responseStatus: number | null;
  /** The first 1 KiB of the response body. */
  responseExcerpt: string | null;
  /** Network error or timeout. */
  error: string | null;
  latencyMs: number;
  attemptedAt: number;
  /** Set on the last request of a failed round when another round is scheduled. */
  nextRetryAt: number | null;
}

/** A stored media file of a message (`ME…`), without its bytes. */
export interface MediaRecord {
  sid: string;
  accountSid: string;
  /** The message it belongs to (`parent_sid` on the wire). */
  messageSid: string;
  /** Index in the message's MediaUrl list; lists are in this order. */
  position: number;
  /** The fetched Content-Type; before the fetch, a guess from the URL (`''`: none). */
  contentType: string;
  /** Bytes stored; 0 until the MediaUrl has been fetched (an empty file is never stored). */
  size: number;
  /** The MediaUrl it was fetched from, when any. */
  sourceUrl: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A media file to store: the record plus its bytes. */
export interface NewMedia extends MediaRecord {
  content: Uint8Array;
}

/** The Feedback subresource of a message. */
export interface FeedbackRecord {
  messageSid: string;
  accountSid: string;
  outcome: 'confirmed' | 'unconfirmed';
  dateCreated: number;
  dateUpdated: number;
}

/** A blocked (scope, handset) pair: the handset texted an opt-out keyword. */
export interface OptOutRecord {
  accountSid: string;
  /** The sending number (E.164), or the Messaging Service SID (`MG…`) for a whole service. */
  scopeKey: string;
  /** The handset's address. */
  recipient: string;
  createdAt: number;
}

/** Custom keyword replies of one scope; `null` means Twilio's default text. */
export interface OptOutReplies {
  scopeKey: string;
  accountSid: string;
  stopReply: string | null;
  startReply: string | null;
  helpReply: string | null;
}

/** A create's `Idempotency-Key`, scoped to its account, and the message it created. */
export interface IdempotencyKey {
  accountSid: string;
  key: string;
  /**
   * What identifies the request's parameters (a hash); null once the message was redacted or
   * deleted (a hash of a short text would give the text away).
   */
  fingerprint: string | null;
  messageSid: string;
  createdAt: number;
}

/** One part of a message sent through a network carrier, with what its receipts said. */
export interface CarrierPart {
  carrier: string;
  /** The SMSC's message_id, normalised by the carrier. */
  messageId: string;
  /** Null for a receipt whose part is not recorded yet. */
  messageSid: string | null;
  /** 0-based part index; null with `messageSid`. */
  part: number | null;
  status: 'sent' | 'delivered' | 'undelivered' | 'failed';
  errorCode: number | null;
  errorMessage: string | null;
  doneAt: number | null;
}
