import { createHash } from 'node:crypto';
import { parsePhone } from '../messages/addresses.js';
import type { Message, MessagingService, ServicePhoneNumber } from '../store/records.js';
import type { Store } from '../store/store.js';

/**
 * What the pipeline fails a message with when its service has no number to send from:
 * Twilio's 21704 "The Messaging Service contains no phone numbers".
 */
export const EMPTY_POOL_ERROR = {
  code: 21704,
  message: 'The Messaging Service contains no phone numbers',
} as const;

/** A stable, well-spread 32-bit hash of a string (the first 4 bytes of its SHA-256). */
function stableHash(s: string): number {
  return createHash('sha256').update(s, 'utf8').digest().readUInt32BE(0);
}

/** The North American area code of an E.164 `+1…` number. */
const areaCode = (e164: string): string | undefined =>
  e164.startsWith('+1') && e164.length === 12 ? e164.slice(2, 5) : undefined;

/**
 * Picks the sender for a message to `to` from the service's pool, inside the caller's
 * transaction `tx`:
 *
 * 1. With `sticky_sender`, the number this recipient was last sent from, while it is still in
 *    the pool.
 * 2. Otherwise the pool numbers of the recipient's country (libphonenumber-js), narrowed to the
 *    recipient's area code when `area_code_geomatch` is on and one matches; the whole pool when
 *    none is in that country.
 * 3. Among those (sorted by number), the one a stable hash of the recipient selects, so the
 *    same pool and recipient always give the same sender. With `sticky_sender` it is remembered.
 *
 * Returns the E.164 number, prefixed with the recipient's channel (`whatsapp:`…) when it has
 * one; `null` when the pool is empty (fail the message with {@link EMPTY_POOL_ERROR}).
 */
export async function pickSender(
  tx: Store,
  service: MessagingService,
  to: string,
): Promise<string | null> {
  const pool = await tx.services.pool(service.sid);
  if (pool.length === 0) return null;
  const recipient = parsePhone(to);
  const key = recipient?.address ?? to.trim();
  const withChannel = (n: string) => (recipient?.channel ? `${recipient.channel}:${n}` : n);
  const sticky = service.config.stickySender;

  if (sticky) {
    const remembered = await tx.services.getStickySender(service.sid, key);
    if (remembered !== undefined && pool.some((n) => n.phoneNumber === remembered)) {
      return withChannel(remembered);
    }
  }

  const chosen = choose(pool, service, recipient?.e164, recipient?.country, key);
  if (sticky) await tx.services.setStickySender(service.sid, key, chosen);
  return withChannel(chosen);
}

function choose(
  pool: ServicePhoneNumber[],
  service: MessagingService,
  e164: string | undefined,
  country: string | undefined,
  key: string,
): string {
  const numbers = pool.map((n) => n.phoneNumber).sort();
  let candidates = country
    ? numbers.filter((n) => parsePhone(n)?.country === country)
    : ([] as string[]);
  if (candidates.length === 0) candidates = numbers;
  const area = e164 === undefined ? undefined : areaCode(e164);
  if (service.config.areaCodeGeomatch && area !== undefined) {
    const local = candidates.filter((n) => areaCode(n) === area);
    if (local.length > 0) candidates = local;
  }
  return candidates[stableHash(key) % candidates.length] as string;
}

/**
 * {@link pickSender} for a stored message: loads its Messaging Service (by SID, since jobs carry
 * no account) and picks for `message.to`. `null` when the message has no service, the service
 * was deleted, or its pool is empty. Matches the delivery pipeline's `pickSender` hook.
 */
export async function senderForMessage(tx: Store, message: Message): Promise<string | null> {
  if (!message.messagingServiceSid) return null;
  const service = await tx.services.findBySid(message.messagingServiceSid);
  if (!service || service.accountSid !== message.accountSid) return null;
  return pickSender(tx, service, message.to);
}
