import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { LRUCache } from 'lru-cache';

/** A parsed message address: an E.164 number, optionally behind a channel prefix (`whatsapp:`). */
export interface PhoneAddress {
  kind: 'phone';
  /** The address as stored and echoed: `+14155552345` or `whatsapp:+14155552345`. */
  address: string;
  /** The E.164 part. */
  e164: string;
  /** ISO 3166 country of the number, when known. */
  country: string | undefined;
  channel: string | null;
}

/** A sender that is not a phone number. */
export interface OtherSender {
  kind: 'short-code' | 'alphanumeric';
  address: string;
}

const CHANNEL = /^(whatsapp|messenger|rcs):(.*)$/i;
const SHORT_CODE = /^\d{3,8}$/;
// Alphanumeric sender IDs: up to 11 letters, digits and spaces, with at least one letter.
const ALPHANUMERIC = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;

/**
 * Parses a phone address with libphonenumber-js (full metadata). Numbers without a `+` are read
 * as US numbers, as Twilio does for a US account. Returns `null` when the number is not valid.
 */
export function parsePhone(raw: string): PhoneAddress | null {
  const hit = parsed.get(raw);
  if (hit !== undefined) return hit.v;
  const v = parseUncached(raw);
  if (v) Object.freeze(v);
  // Real addresses are short; a long value (a client's junk) would only fill memory.
  if (raw.length <= 64) parsed.set(raw, { v });
  return v;
}

// Full-metadata parsing costs tens of µs; the same few numbers repeat on every send and delivery.
const parsed = new LRUCache<string, { v: PhoneAddress | null }>({ max: 50_000 });

function parseUncached(raw: string): PhoneAddress | null {
  const value = raw.trim();
  const m = CHANNEL.exec(value);
  const channel = m?.[1]?.toLowerCase() ?? null;
  const number = m ? (m[2] ?? '') : value;
  if (!/^\+?[\d\s().-]+$/.test(number)) return null;
  const parsed = parsePhoneNumberFromString(number, 'US');
  if (!parsed?.isValid()) return null;
  const e164 = parsed.number;
  return {
    kind: 'phone',
    address: channel ? `${channel}:${e164}` : e164,
    e164,
    country: parsed.country,
    channel,
  };
}

/** Classifies a `From` value: phone number, short code or alphanumeric sender ID. */
export function parseSender(raw: string): PhoneAddress | OtherSender | null {
  const value = raw.trim();
  if (SHORT_CODE.test(value)) return { kind: 'short-code', address: value };
  if (value.startsWith('+') || CHANNEL.test(value) || /^[\d\s().-]+$/.test(value)) {
    return parsePhone(value);
  }
  return ALPHANUMERIC.test(value) ? { kind: 'alphanumeric', address: value } : null;
}
