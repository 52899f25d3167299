/** Domain records as the store returns them. Timestamps are epoch milliseconds (UTC). */

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
