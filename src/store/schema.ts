import type { Generated } from 'kysely';
import type {
  Account,
  CarrierPart,
  FeedbackRecord,
  MessageDirection,
  MessageStatus,
  SimDelivery,
  WebhookMethod,
  WebhookStatus,
} from './records.js';

/**
 * Kysely table types. Every timestamp is epoch milliseconds (UTC) in a 64-bit integer column.
 * Enum-like text columns have the records' unions as their types (only the store writes them),
 * so rows map to records without casts.
 */
export interface Database {
  accounts: AccountTable;
  api_keys: ApiKeyTable;
  incoming_phone_numbers: PhoneNumberTable;
  messages: MessageTable;
  message_tags: MessageTagTable;
  outbox: OutboxTable;
  sim_deliveries: SimDeliveryTable;
  sim_rules: SimRuleTable;
  message_events: MessageEventTable;
  settings: SettingTable;
  media: MediaTable;
  message_feedback: MessageFeedbackTable;
  webhooks: WebhookTable;
  webhook_attempts: WebhookAttemptTable;
  messaging_services: MessagingServiceTable;
  service_phone_numbers: ServicePhoneNumberTable;
  service_sticky_senders: ServiceStickySenderTable;
  applications: ApplicationTable;
  opt_outs: OptOutTable;
  opt_out_replies: OptOutReplyTable;
  test_credentials: TestCredentialsTable;
  idempotency_keys: IdempotencyKeyTable;
  carrier_parts: CarrierPartTable;
}

export interface AccountTable {
  sid: string;
  owner_account_sid: string;
  friendly_name: string;
  auth_token: string;
  status: Account['status'];
  type: Account['type'];
  date_created: number;
  date_updated: number;
}

export interface ApiKeyTable {
  sid: string;
  account_sid: string;
  friendly_name: string;
  /** SHA-256 (hex) of the secret; the secret itself is shown once and never stored. */
  secret_hash: string;
  date_created: number;
  date_updated: number;
}

export interface PhoneNumberTable {
  sid: string;
  account_sid: string;
  phone_number: string;
  friendly_name: string;
  /** JSON object: every other Twilio field of the resource (URLs, methods, capabilities…). */
  config: string;
  date_created: number;
  date_updated: number;
}

export interface MessageTable {
  /** Internal, monotonic; the keyset paging order. Never on the wire. */
  seq: Generated<number>;
  sid: string;
  account_sid: string;
  direction: MessageDirection;
  status: MessageStatus;
  from_addr: string | null;
  to_addr: string;
  body: string | null;
  num_segments: number;
  num_media: number;
  messaging_service_sid: string | null;
  error_code: number | null;
  error_message: string | null;
  price: string | null;
  price_unit: string | null;
  date_created: number;
  date_updated: number;
  date_sent: number | null;
  send_at: number | null;
  status_callback: string | null;
  /** JSON object of the tags (`{}` when none). */
  tags: string;
  /** JSON object of every other create parameter, stored as received. */
  options: string;
  /** The carrier's id for the submitted message (for delivery-report correlation). */
  carrier_ref: string | null;
}

export interface MessageTagTable {
  account_sid: string;
  key: string;
  value: string;
  message_seq: number;
}

/** Durable work queue, written in the same transaction as the row it refers to. */
export interface OutboxTable {
  id: Generated<number>;
  kind: string;
  /** The SID the job is about (message, webhook…). */
  ref: string;
  /** JSON object of job-specific data. */
  payload: string;
  run_at: number;
  attempts: number;
  lease_owner: string | null;
  lease_until: number | null;
  created_at: number;
}

export interface SettingTable {
  key: string;
  value: string;
}

/** A failure-injection rule of the simulated network; `seq` orders them. */
export interface SimRuleTable {
  seq: Generated<number>;
  /** The account whose messages it applies to; `''` for a network-wide rule. */
  owner: string;
  id: string;
  /** JSON of the validated rule. */
  definition: string;
}

/** A message as a virtual handset received it. */
export interface SimDeliveryTable {
  message_sid: string;
  /** `to-handset` (a message it received) or `from-handset` (one it sent). */
  direction: SimDelivery['direction'];
  account_sid: string;
  handset: string;
  from_addr: string | null;
  body: string;
  /** JSON array of media URLs. */
  media_urls: string;
  num_segments: number;
  carrier_ref: string;
  /** JSON of the outcome the simulator chose. */
  outcome: string;
  received_at: number;
}

/** An outgoing webhook. Those sharing `order_key` (a message SID) go out in `id` order. */
export interface WebhookTable {
  id: Generated<number>;
  account_sid: string;
  order_key: string;
  /** `status-callback`, `inbound`, … */
  kind: string;
  url: string;
  method: WebhookMethod;
  /** JSON object of the form parameters (a value may be an array of repeated values). */
  params: string;
  fallback_url: string | null;
  fallback_method: WebhookMethod | null;
  /** `pending`, `delivered` or `failed`. */
  status: WebhookStatus;
  /** Attempt rounds made so far (a round is the URL, then the fallback URL when set). */
  attempts: number;
  /**
   * When its next round is due (epoch ms): set on the head of its order key's chain while it is
   * pending (while leased: the lease's end, when anyone may retake it); null for a webhook
   * waiting behind an earlier one, and once settled.
   */
  run_at: number | null;
  /** The worker holding the webhook's round (until `run_at`), or null. */
  lease_owner: string | null;
  created_at: number;
  updated_at: number;
}

/** One HTTP request made for a webhook. */
export interface WebhookAttemptTable {
  id: Generated<number>;
  webhook_id: number;
  account_sid: string;
  order_key: string;
  url: string;
  method: WebhookMethod;
  /** JSON object of the parameters sent. */
  params: string;
  response_status: number | null;
  /** The first 1 KiB of the response body. */
  response_excerpt: string | null;
  /** Network error or timeout, when there was no response. */
  error: string | null;
  latency_ms: number;
  attempted_at: number;
  /** When the next try is due, on the last request of a failed round that will be retried. */
  next_retry_at: number | null;
}

/** A media file of a message (`ME…`), bytes included. */
export interface MediaTable {
  sid: string;
  account_sid: string;
  message_sid: string;
  /** Index in the message's MediaUrl list: the listing order. */
  position: number;
  content_type: string;
  /** Bytes in `content`. */
  size: number;
  /** `blob` in SQLite, `bytea` in PostgreSQL; both drivers return a Buffer. */
  content: Uint8Array;
  /** The MediaUrl it was fetched from (null for media Loft created itself). */
  source_url: string | null;
  date_created: number;
  date_updated: number;
}

/** The Feedback subresource of a message: at most one per message. */
export interface MessageFeedbackTable {
  message_sid: string;
  account_sid: string;
  outcome: FeedbackRecord['outcome'];
  date_created: number;
  date_updated: number;
}

/** A Messaging Service (`MG…`). */
export interface MessagingServiceTable {
  sid: string;
  account_sid: string;
  friendly_name: string;
  /** JSON object: every other setting of the service (URLs, methods, flags…). */
  config: string;
  date_created: number;
  date_updated: number;
}

/** An IncomingPhoneNumber in a service's sender pool; a number is in at most one pool. */
export interface ServicePhoneNumberTable {
  service_sid: string;
  phone_number_sid: string;
  account_sid: string;
  phone_number: string;
  date_created: number;
}

/** The pool number a recipient was last sent from, per service (Sticky Sender). */
export interface ServiceStickySenderTable {
  service_sid: string;
  to_addr: string;
  from_addr: string;
}

/** A TwiML Application (`AP…`). */
export interface ApplicationTable {
  sid: string;
  account_sid: string;
  friendly_name: string;
  /** JSON object: every other setting (voice/SMS URLs and methods, callbacks…). */
  config: string;
  date_created: number;
  date_updated: number;
}

/** One status a message went through, and when. */
export interface MessageEventTable {
  /** Insertion order: breaks ties between events of the same millisecond. */
  id: Generated<number>;
  message_sid: string;
  status: MessageStatus;
  error_code: number | null;
  at: number;
}

/** A handset that texted an opt-out keyword: nothing may be sent to it from `scope_key`. */
export interface OptOutTable {
  /** The sending number (E.164), or the Messaging Service SID (`MG…`) for a whole service. */
  scope_key: string;
  /** The handset's address. */
  recipient: string;
  account_sid: string;
  created_at: number;
}

/** Custom STOP/START/HELP replies of a number or service; null means Twilio's default text. */
export interface OptOutReplyTable {
  scope_key: string;
  account_sid: string;
  stop_reply: string | null;
  start_reply: string | null;
  help_reply: string | null;
}

/** An account's test credentials (its test Account SID and test auth token). */
/** An `Idempotency-Key` a create came with (migration 012). */
export interface IdempotencyKeyTable {
  account_sid: string;
  idempotency_key: string;
  /** SHA-256 of the request's parameters; null once the message is redacted or deleted. */
  fingerprint: string | null;
  message_sid: string;
  created_at: number;
}

export interface TestCredentialsTable {
  account_sid: string;
  test_sid: string;
  auth_token: string;
  date_created: number;
}

/** A part of a message sent through a network carrier, or a receipt ahead of it (migration 013). */
export interface CarrierPartTable {
  carrier: string;
  message_id: string;
  /** Null while only a receipt names this message_id (its part is not recorded yet). */
  message_sid: string | null;
  part: number | null;
  /** `sent`, `delivered`, `undelivered` or `failed`. */
  status: CarrierPart['status'];
  error_code: number | null;
  error_message: string | null;
  done_at: number | null;
  updated_at: number;
}
