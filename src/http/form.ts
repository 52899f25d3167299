import { TwilioError } from './errors.js';

/** Limits on a form body or a query string. */
export const FORM_LIMITS = {
  /** Most `&`-separated parameters (400 beyond). */
  params: 1000,
} as const;

/** Whether `input` holds more than {@link FORM_LIMITS.params} `&`-separated parameters. */
export function tooManyParams(input: string): boolean {
  let pairs = 1;
  for (let i = input.indexOf('&'); i !== -1; i = input.indexOf('&', i + 1)) {
    if (++pairs > FORM_LIMITS.params) return true;
  }
  return false;
}

/** Decoded form or query parameters: repeated keys become arrays, in wire order. */
export type FormParams = Record<string, string | string[]>;

/**
 * Strict `application/x-www-form-urlencoded` decoding (WHATWG rules: `+` is a space, keys are
 * percent-decoded too, so `DateSent%3E` becomes `DateSent>`). Returns `null` when a percent
 * escape is malformed or decodes to invalid UTF-8, so callers can answer 400 instead of guessing.
 */
export function parseForm(input: string): FormParams | null {
  const out: FormParams = Object.create(null) as FormParams;
  if (input.length === 0) return out;
  for (const pair of input.split('&')) {
    if (pair.length === 0) continue;
    const eq = pair.indexOf('=');
    const rawKey = eq === -1 ? pair : pair.slice(0, eq);
    const rawValue = eq === -1 ? '' : pair.slice(eq + 1);
    const key = decode(rawKey);
    const value = decode(rawValue);
    if (key === null || value === null) return null;
    const prev = out[key];
    if (prev === undefined) out[key] = value;
    else if (Array.isArray(prev)) prev.push(value);
    else out[key] = [prev, value];
  }
  return out;
}

/**
 * Whether a key or value holds U+0000. No Twilio parameter, SID or phone number contains one,
 * and PostgreSQL cannot store it in text, so requests carrying one are refused at the edge
 * (the same answer on every store) instead of failing in the database.
 */
export function hasNul(params: Record<string, string | string[] | undefined>): boolean {
  for (const key in params) {
    if (key.includes('\u0000')) return true;
    const v = params[key];
    if (v === undefined) continue;
    if (Array.isArray(v) ? v.some((item) => item.includes('\u0000')) : v.includes('\u0000')) {
      return true;
    }
  }
  return false;
}

/** {@link parseForm}, or the 400 / 20001 that refuses it: bad percent-encoding or a NUL. */
export function parseFormStrict(input: string, what: string): FormParams | TwilioError {
  const parsed = parseForm(input);
  if (!parsed) return new TwilioError(400, 20001, `Malformed ${what}: invalid percent-encoding`);
  if (hasNul(parsed)) {
    return new TwilioError(400, 20001, `Malformed ${what}: NUL character (U+0000)`);
  }
  return parsed;
}

function decode(s: string): string | null {
  const spaced = s.includes('+') ? s.replaceAll('+', ' ') : s;
  if (!spaced.includes('%')) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    return null;
  }
}

/** The last value of a parameter (Twilio takes the last one for scalar fields). */
export function single(params: FormParams, key: string): string | undefined {
  const v = params[key];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

/** Every value of a repeated parameter, in wire order. */
export function many(params: FormParams, key: string): string[] {
  const v = params[key];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}
