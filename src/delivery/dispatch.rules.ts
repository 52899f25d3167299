import { parsePhone } from '../messages/addresses.js';
import { countSegments, smartEncoded } from '../messages/segments.js';
import type { Message } from '../store/records.js';
import type { MessagingService } from '../store/services.records.js';
import type { SubmitResult } from './carrier.js';
import type { MessagePatch } from './lifecycle.js';
import { priceOf, type PriceTable } from './pricing.js';

/** Twilio's default ValidityPeriod (10 h). */
const DEFAULT_VALIDITY_S = 36_000;

/** Twilio's error for a message still queued when its ValidityPeriod runs out. */
export const EXPIRED = { code: 30036, message: 'Validity Period Expired' } as const;

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
