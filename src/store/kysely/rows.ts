import type { Selectable } from 'kysely';
import type { StoreCapabilities } from '../store.js';
import type { AccountTable, ApiKeyTable, MessageTable, PhoneNumberTable } from '../schema.js';
import type { Account, ApiKey, Message, PhoneNumber } from '../records.js';

// 64-bit columns arrive as strings from some drivers (pg); normalise them here, once.
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

/** Row ↔ record conversions shared by every Kysely-backed store. */
export const rows = {
  account: (r: Selectable<AccountTable>): Account => ({
    sid: r.sid,
    ownerAccountSid: r.owner_account_sid,
    friendlyName: r.friendly_name,
    authToken: r.auth_token,
    status: r.status,
    type: r.type,
    dateCreated: num(r.date_created),
    dateUpdated: num(r.date_updated),
  }),
  apiKey: (r: Selectable<ApiKeyTable>): ApiKey => ({
    sid: r.sid,
    accountSid: r.account_sid,
    friendlyName: r.friendly_name,
    secretHash: r.secret_hash,
    dateCreated: num(r.date_created),
    dateUpdated: num(r.date_updated),
  }),
  phoneNumber: (r: Selectable<PhoneNumberTable>): PhoneNumber => ({
    sid: r.sid,
    accountSid: r.account_sid,
    phoneNumber: r.phone_number,
    friendlyName: r.friendly_name,
    config: JSON.parse(r.config) as PhoneNumber['config'],
    dateCreated: num(r.date_created),
    dateUpdated: num(r.date_updated),
  }),
  message: (r: Selectable<MessageTable>): Message => ({
    seq: num(r.seq),
    sid: r.sid,
    accountSid: r.account_sid,
    direction: r.direction,
    status: r.status,
    from: r.from_addr,
    to: r.to_addr,
    body: r.body,
    numSegments: num(r.num_segments),
    numMedia: num(r.num_media),
    messagingServiceSid: r.messaging_service_sid,
    errorCode: numOrNull(r.error_code),
    errorMessage: r.error_message,
    price: r.price,
    priceUnit: r.price_unit,
    dateCreated: num(r.date_created),
    dateUpdated: num(r.date_updated),
    dateSent: numOrNull(r.date_sent),
    sendAt: numOrNull(r.send_at),
    statusCallback: r.status_callback,
    tags: JSON.parse(r.tags) as Message['tags'],
    options: JSON.parse(r.options) as Message['options'],
    carrierRef: r.carrier_ref,
  }),
  messageInsert: (m: Message): Omit<MessageTable, 'seq'> => ({
    sid: m.sid,
    account_sid: m.accountSid,
    direction: m.direction,
    status: m.status,
    from_addr: m.from,
    to_addr: m.to,
    body: m.body,
    num_segments: m.numSegments,
    num_media: m.numMedia,
    messaging_service_sid: m.messagingServiceSid,
    error_code: m.errorCode,
    error_message: m.errorMessage,
    price: m.price,
    price_unit: m.priceUnit,
    date_created: m.dateCreated,
    date_updated: m.dateUpdated,
    date_sent: m.dateSent,
    send_at: m.sendAt,
    status_callback: m.statusCallback,
    tags: JSON.stringify(m.tags),
    options: JSON.stringify(m.options),
    carrier_ref: m.carrierRef,
  }),
};

/** Cuts a batch into the slices of one multi-row statement each, in order. */
export type Slicer = <T>(items: readonly T[]) => Generator<T[]>;

/**
 * The store's {@link Slicer} (see `StoreCapabilities.statementRows`). In powers of two, largest
 * first, 23 rows run as 16 + 4 + 2 + 1: each multi-row statement has at most log2(max) + 1 SQL
 * texts, which SQLite's statement cache keeps compiled instead of parsing and planning a new
 * text for every batch size. Otherwise slices of `max` and the rest.
 */
export function slicer({ max, powersOfTwo }: StoreCapabilities['statementRows']): Slicer {
  if (!Number.isInteger(max) || max < 1 || (powersOfTwo && (max & (max - 1)) !== 0)) {
    throw new Error(`statementRows.max must be a positive integer (a power of two): ${max}`);
  }
  const sizes: number[] = [];
  if (powersOfTwo) for (let size = max; size >= 1; size = Math.floor(size / 2)) sizes.push(size);
  return function* <T>(items: readonly T[]): Generator<T[]> {
    if (!powersOfTwo) {
      for (let i = 0; i < items.length; i += max) yield items.slice(i, i + max);
      return;
    }
    let i = 0;
    for (const size of sizes) {
      for (; items.length - i >= size; i += size) yield items.slice(i, i + size);
    }
  };
}
