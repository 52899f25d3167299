import { createHash } from 'node:crypto';
import { TwilioError } from '../http/errors.js';
import type { FormParams } from '../http/form.js';

/**
 * Loft's `Idempotency-Key` extension of `POST …/Messages.json` (Twilio has none): a create
 * retried with the same key, by the same account, within {@link IDEMPOTENCY_KEY_TTL_MS}, answers
 * the message the first one created instead of sending another. The header follows the IETF
 * draft "The Idempotency-Key HTTP Header Field" (draft-ietf-httpapi-idempotency-key-header):
 * a structured-field string (`"…"`), which Loft also takes unquoted, as Stripe's clients send it.
 */
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';

/** On an answer replayed for a known key: `true` (Stripe's header name). */
export const IDEMPOTENT_REPLAYED_HEADER = 'Idempotent-Replayed';

/** How long a key is remembered. */
export const IDEMPOTENCY_KEY_TTL_MS = 24 * 3_600_000;

/** Longest key taken (Stripe's limit). */
export const IDEMPOTENCY_KEY_MAX = 255;

const invalidKey = (): TwilioError =>
  new TwilioError(
    400,
    20001,
    `Idempotency-Key must be 1 to ${IDEMPOTENCY_KEY_MAX} printable ASCII characters`,
  );

/**
 * The key a request carries: undefined without the header. Surrounding double quotes (the
 * draft's structured-field string) are dropped. Anything but 1–255 printable ASCII characters
 * is 400 / 20001 (Node joins a repeated header with `, `, so two keys make one other key).
 */
export function parseIdempotencyKey(raw: string | string[] | undefined): string | undefined {
  if (raw === undefined) return undefined;
  if (Array.isArray(raw)) throw invalidKey();
  const key = /^"[^"\\]*"$/.test(raw) ? raw.slice(1, -1) : raw;
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX || !/^[\x20-\x7e]+$/.test(key)) {
    throw invalidKey();
  }
  return key;
}

/**
 * What identifies a create's parameters: SHA-256 over the names in code-unit order, each with
 * its values in the order given. The same form sent again (in any parameter order) matches.
 */
export function requestFingerprint(params: FormParams): string {
  const canonical = Object.keys(params)
    .sort()
    .map((name) => {
      const v = params[name] ?? '';
      return [name, Array.isArray(v) ? v : [v]];
    });
  return createHash('sha256').update(JSON.stringify(canonical)).digest('hex');
}

/**
 * 422 / 20001: the key was used with other parameters. The draft's answer ("the resource server
 * SHOULD reply with a HTTP 422 status code"); Stripe answers 400. Nothing is created.
 */
export const keyReused = (key: string): TwilioError =>
  new TwilioError(
    422,
    20001,
    `Idempotency-Key '${key}' was already used with other parameters in the last 24 hours`,
  );

/**
 * 409 / 20001: the key created a message that has since been deleted. Nothing is sent again
 * (the key still stands for that message until it expires).
 */
export const keyMessageGone = (key: string, sid: string): TwilioError =>
  new TwilioError(
    409,
    20001,
    `Idempotency-Key '${key}' created message ${sid}, which no longer exists`,
  );
