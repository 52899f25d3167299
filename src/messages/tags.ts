import { badRequest } from '../http/errors.js';

/** Limits on message tags. */
export const TAG_LIMITS = { pairs: 10, keyLength: 128, valueLength: 256 } as const;
const TAG_CHARS = /^[A-Za-z0-9._~-]+$/;

const invalid = (why: string) => badRequest(20001, `Invalid Tags: ${why}`);

/**
 * Parses the `Tags` form field: a JSON object of at most 10 string pairs, keys ≤ 128 and values
 * ≤ 256 characters, using only `A-Z a-z 0-9 . _ ~ -`. Throws a 400 naming the first problem.
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
  const out: Record<string, string> = {};
  for (const [key, value] of entries) {
    if (typeof value !== 'string') throw invalid(`the value of '${key}' must be a string`);
    if (key.length === 0 || key.length > TAG_LIMITS.keyLength || !TAG_CHARS.test(key)) {
      throw invalid(
        `key '${key}' must be 1-${TAG_LIMITS.keyLength} characters of A-Z a-z 0-9 . _ ~ -`,
      );
    }
    if (value.length === 0 || value.length > TAG_LIMITS.valueLength || !TAG_CHARS.test(value)) {
      throw invalid(
        `value of '${key}' must be 1-${TAG_LIMITS.valueLength} characters of A-Z a-z 0-9 . _ ~ -`,
      );
    }
    out[key] = value;
  }
  return out;
}
