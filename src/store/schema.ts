import type { Generated } from 'kysely';

/** Kysely table types. Every timestamp is epoch milliseconds (UTC) in a 64-bit integer column. */
export interface Database {
  accounts: AccountTable;
  api_keys: ApiKeyTable;
  incoming_phone_numbers: PhoneNumberTable;
  messages: MessageTable;
  message_tags: MessageTagTable;
  outbox: OutboxTable;
  settings: SettingTable;
}

export interface AccountTable {
  sid: string;
  owner_account_sid: string;
  friendly_name: string;
  auth_token: string;
  status: string;
  type: string;
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
  direction: string;
  status: string;
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
