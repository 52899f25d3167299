import type { Message } from '../store/records.js';
import type { Store, Webhook } from '../store/store.js';
import { enqueueWebhook, type WebhookRequest } from './webhooks.enqueue.js';

/** The API version every callback reports. */
export const API_VERSION = '2010-04-01';

/** What a status callback is built from. A full `Message` fits. */
export type StatusCallbackMessage = Pick<
  Message,
  | 'sid'
  | 'accountSid'
  | 'status'
  | 'from'
  | 'to'
  | 'messagingServiceSid'
  | 'errorCode'
  | 'dateUpdated'
>;

/** Options of a status callback. */
export interface StatusCallbackOptions {
  /** The carrier's DLR done date (`YYMMDDhhmm`); defaults to the message's `dateUpdated`, UTC. */
  rawDlrDoneDate?: string;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** `YYMMDDhhmm` in UTC, the form of a DLR's done date. */
export function dlrDoneDate(ms: number): string {
  const d = new Date(ms);
  return (
    pad(d.getUTCFullYear() % 100) +
    pad(d.getUTCMonth() + 1) +
    pad(d.getUTCDate()) +
    pad(d.getUTCHours()) +
    pad(d.getUTCMinutes())
  );
}

/** `whatsapp:+1…`, `messenger:…`: a channel address rather than a phone number. */
const isChannelAddress = (address: string): boolean => /^[a-z][a-z0-9-]*:/i.test(address);

/**
 * The form Twilio posts to a message's StatusCallback URL: `MessageSid`, `SmsSid`,
 * `MessageStatus`, `SmsStatus`, `AccountSid`, `From`, `To`, `ApiVersion`; `MessagingServiceSid`
 * when the message has one; `ErrorCode` on `failed`/`undelivered` when there is a code; and, for
 * SMS/MMS, `RawDlrDoneDate` on `delivered`/`undelivered`.
 */
export function statusCallbackParams(
  message: StatusCallbackMessage,
  opts: StatusCallbackOptions = {},
): Record<string, string> {
  const p: Record<string, string> = {
    MessageSid: message.sid,
    SmsSid: message.sid,
    MessageStatus: message.status,
    SmsStatus: message.status,
    AccountSid: message.accountSid,
  };
  if (message.from !== null) p.From = message.from;
  p.To = message.to;
  p.ApiVersion = API_VERSION;
  if (message.messagingServiceSid) p.MessagingServiceSid = message.messagingServiceSid;
  const final = message.status === 'failed' || message.status === 'undelivered';
  if (final && message.errorCode !== null) p.ErrorCode = String(message.errorCode);
  const dlr = message.status === 'delivered' || message.status === 'undelivered';
  if (dlr && !isChannelAddress(message.to)) {
    p.RawDlrDoneDate = opts.rawDlrDoneDate ?? dlrDoneDate(message.dateUpdated);
  }
  return p;
}

/**
 * Queues the status callback for the message's current status, ordered after every earlier
 * callback of the same message. Call it in the transaction that applies the status change.
 */
export function enqueueStatusCallback(
  tx: Store,
  message: StatusCallbackMessage,
  target: { url: string; method: 'GET' | 'POST' },
  now: number,
  opts?: StatusCallbackOptions,
): Promise<Webhook> {
  return enqueueWebhook(tx, statusCallbackRequest(message, target, opts), now);
}

/** The webhook that carries the status callback for the message's current status. */
export function statusCallbackRequest(
  message: StatusCallbackMessage,
  target: { url: string; method: 'GET' | 'POST' },
  opts?: StatusCallbackOptions,
): WebhookRequest {
  return {
    accountSid: message.accountSid,
    orderKey: message.sid,
    kind: 'status-callback',
    url: target.url,
    method: target.method,
    params: statusCallbackParams(message, opts),
  };
}
