import { badRequest } from '../http/errors.js';

/** Limits on message tags. */
export const TAG_LIMITS = { pairs: 10, keyLength: 128, valueLength: 256 } as const;

/**
 * Characters a key or value may not hold: control characters (C0, DEL, C1), lone surrogates
 * (not Unicode text; the stores would turn them into U+FFFD) and the line/paragraph separators.
 * Everything else is allowed, spaces, emoji (with their ZWJ and format characters) and
 * characters newer than this Node's Unicode tables included.
 */
const FORBIDDEN = /[\p{Cc}\p{Cs}\u2028\u2029]/u;

const invalid = (why: string) => badRequest(20001, `Invalid Tags: ${why}`);

/** Length in Unicode code points, so an emoji counts as one character. */
const length = (s: string): number => {
  let n = 0;
  for (const _ of s) n++;
  return n;
};

/**
 * Parses the `Tags` form field: a JSON object of at most 10 string pairs, keys of 1–128 and
 * values of 0–256 characters (code points) of printable Unicode, spaces included. Throws a 400
 * naming the first problem. The rule follows the 2010-04-01 Message resource, whose OpenAPI
 * request example is `{"campaign_name": "Spring Sale 2022", …}` (spaces in a value); the
 * `A-Z a-z 0-9 . _ ~ -` rule of twilio.com/docs/bulk-messaging/tags belongs to another API.
 */
export function parseTags(raw: string | undefined): Record<string, string> {
  if (raw === undefined || raw.trim() === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('must be a JSON object such as {"campaign":"spring"}');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalid('must be a JSON object such as {"campaign":"spring"}');
  }
  const entries = Object.entries(parsed as Record<string, unknown>);
  if (entries.length > TAG_LIMITS.pairs) throw invalid(`at most ${TAG_LIMITS.pairs} pairs`);
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw invalid(`the value of '${key}' must be a string`);
    const keyLength = length(key);
    if (keyLength === 0 || keyLength > TAG_LIMITS.keyLength || FORBIDDEN.test(key)) {
      throw invalid(
        `key '${key}' must be 1-${TAG_LIMITS.keyLength} characters without control characters`,
      );
    }
    if (length(value) > TAG_LIMITS.valueLength || FORBIDDEN.test(value)) {
      throw invalid(
        `value of '${key}' must be up to ${TAG_LIMITS.valueLength} characters without control characters`,
      );
    }
  }
  // fromEntries defines properties, so a `__proto__` key stays an ordinary tag.
  return Object.fromEntries(entries) as Record<string, string>;
}
