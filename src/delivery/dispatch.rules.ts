import { inStanding } from '../http/auth.js';
import { parsePhone } from '../messages/addresses.js';
import { countSegments, smartEncoded } from '../messages/segments.js';
import type { Message, MessagingService } from '../store/records.js';
import type { Store } from '../store/store.js';
import type { SubmitResult } from './carrier.js';
import type { MessagePatch } from './lifecycle.js';
import { priceOf, type PriceTable } from './pricing.js';

/** Twilio's default ValidityPeriod (10 h). */
const DEFAULT_VALIDITY_S = 36_000;

/** Twilio's error for a message still queued when its ValidityPeriod runs out. */
export const EXPIRED = { code: 30036, message: 'Validity Period Expired' } as const;

/**
 * Twilio's error for a message its account can no longer send: "Twilio accepted the message for
 * queueing, but your account was suspended before Twilio could send it"; it shows in status
 * callbacks and the Message's ErrorCode (twilio.com/docs/api/errors/30002). Loft gives it to a
 * closed account's queued messages too (Twilio documents nothing closer).
 */
export const ACCOUNT_SUSPENDED = { code: 30002, message: 'Account suspended' } as const;

/**
 * Whether `accountSid` may still send: it is active, as is every account above it (a suspended
 * or closed parent holds its subaccounts to its own status). Loft deletes no account; a message
 * whose account record is absent (a store written by other means) is not held back.
 */
export async function maySend(store: Store, accountSid: string): Promise<boolean> {
  const account = await store.accounts.get(accountSid);
  return account === undefined || (await inStanding(store, account)).status === 'active';
}

/** How a queued message goes on the air: the body as sent and its segments. */
interface OnAir {
  body: string;
  segments: number;
}

/**
 * What sending a queued message now means: `expired` once its ValidityPeriod (counted from
 * creation, or from SendAt when scheduled) has run out, else the body as it goes on the air.
 * The message's own ValidityPeriod and SmartEncoded win over its Messaging Service's.
 */
export function onAir(
  m: Message,
  service: MessagingService | undefined,
  now: number,
): OnAir | 'expired' {
  const validityS = Number(
    m.options['ValidityPeriod'] ?? service?.config.validityPeriod ?? DEFAULT_VALIDITY_S,
  );
  if (now > Math.max(m.dateCreated, m.sendAt ?? 0) + validityS * 1000) return 'expired';
  const smart = smartEncoded(m.options, service?.config.smartEncoding);
  const encoded = countSegments(m.body ?? '', { smartEncoded: smart });
  return { body: encoded.body, segments: encoded.segments };
}

/**
 * What a carrier's answer makes of a message in `sending`: `failed` with the carrier's error,
 * or `sent` with the date, the carrier's reference, the segments and the price.
 */
export function resultPatch(
  prices: PriceTable,
  m: Message,
  result: SubmitResult,
  segments: number,
  now: number,
): MessagePatch {
  if (!result.ok) {
    return { status: 'failed', errorCode: result.errorCode, errorMessage: result.errorMessage };
  }
  return {
    status: 'sent',
    dateSent: now,
    carrierRef: result.ref,
    numSegments: segments,
    price: priceOf(prices, parsePhone(m.to)?.country, segments, m.numMedia),
    priceUnit: 'USD',
  };
}
