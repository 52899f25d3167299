import { badRequest } from '../http/errors.js';
import { many, single, type FormParams } from '../http/form.js';

/**
 * Every create parameter of Twilio's CreateMessageRequest other than the ones Loft models as
 * columns. They are validated by type and stored verbatim in `options`, even where they have no
 * effect yet, so later features (and users reading them back in the console) find them.
 */
const BOOLEAN = ['ProvideFeedback', 'ForceDelivery', 'SmartEncoded', 'ShortenUrls', 'SendAsMms'];
const ENUMS: Record<string, readonly string[]> = {
  ContentRetention: ['retain', 'discard'],
  AddressRetention: ['retain', 'obfuscate'],
  TrafficType: ['free'],
  ScheduleType: ['fixed'],
  RiskCheck: ['enable', 'disable'],
};
const STRINGS = [
  'ApplicationSid',
  'ContentSid',
  'ContentVariables',
  'FallbackFrom',
  'MaxPrice',
  'Attempt',
  'ValidityPeriod',
];
const REPEATED = ['MediaUrl', 'PersistentAction'];

/** Booleans arrive as the strings `true`/`false` (the SDKs lowercase them). */
export function readBoolean(params: FormParams, key: string): boolean | undefined {
  const v = single(params, key);
  if (v === undefined || v === '') return undefined;
  const lower = v.toLowerCase();
  if (lower === 'true') return true;
  if (lower === 'false') return false;
  throw badRequest(20001, `Invalid value '${v}' for ${key}: expected true or false`);
}

/** Reads, checks and collects the option parameters listed above. */
export function readOptions(params: FormParams): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of BOOLEAN) {
    const b = readBoolean(params, key);
    if (b !== undefined) out[key] = String(b);
  }
  for (const [key, allowed] of Object.entries(ENUMS)) {
    const v = single(params, key);
    if (v === undefined || v === '') continue;
    if (!allowed.includes(v)) {
      throw badRequest(
        20001,
        `Invalid value '${v}' for ${key}: expected one of ${allowed.join(', ')}`,
      );
    }
    out[key] = v;
  }
  for (const key of STRINGS) {
    const v = single(params, key);
    if (v !== undefined && v !== '') out[key] = v;
  }
  for (const key of REPEATED) {
    const v = many(params, key).filter((s) => s !== '');
    if (v.length > 0) out[key] = v;
  }
  checkNumbers(out);
  return out;
}

function checkNumbers(out: Record<string, string | string[]>): void {
  const vp = out['ValidityPeriod'];
  if (typeof vp === 'string') {
    const n = Number(vp);
    if (!/^\d+$/.test(vp) || n < 1 || n > 36000) {
      throw badRequest(
        20001,
        `Invalid ValidityPeriod '${vp}': must be an integer from 1 to 36000 seconds`,
      );
    }
  }
  const attempt = out['Attempt'];
  if (typeof attempt === 'string' && !/^\d+$/.test(attempt)) {
    throw badRequest(20001, `Invalid Attempt '${attempt}': must be a non-negative integer`);
  }
  const maxPrice = out['MaxPrice'];
  if (typeof maxPrice === 'string' && !/^\d+(\.\d+)?$/.test(maxPrice)) {
    throw badRequest(20001, `Invalid MaxPrice '${maxPrice}': must be a decimal number`);
  }
  const app = out['ApplicationSid'];
  if (typeof app === 'string' && !/^AP[0-9a-fA-F]{32}$/.test(app)) {
    throw badRequest(20001, `Invalid ApplicationSid '${app}'`);
  }
  const vars = out['ContentVariables'];
  if (typeof vars === 'string') {
    try {
      const v: unknown = JSON.parse(vars);
      if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
    } catch {
      throw badRequest(21656, 'The ContentVariables Parameter is invalid: expected a JSON object');
    }
  }
}

/** An absolute http(s) URL, or `null`. */
export function httpUrl(value: string): URL | null {
  try {
    const u = new URL(value);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' ? u : null;
  } catch {
    return null;
  }
}
