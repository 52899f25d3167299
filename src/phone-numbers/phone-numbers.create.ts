import { createHash } from 'node:crypto';
import type { Ids } from '../ids.js';
import { badRequest, type TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { parsePhone } from '../messages/addresses.js';
import type { PhoneNumber } from '../store/records.js';
import type { Store } from '../store/store.js';

// Twilio's test-credential magic inputs for buying numbers (docs: iam/test-credentials, "test
// inputs for buying numbers"). Loft honours them for every account, like the Messages ones.

/** Magic `PhoneNumber` values and the error each provokes; `+15005550006` is bought normally. */
export const MAGIC_PURCHASE: Readonly<Record<string, () => TwilioError>> = {
  '+15005550000': () => unavailable('+15005550000'),
  '+15005550001': () => invalidNumber('+15005550001'),
};

/** The magic `AreaCode` with no numbers available (21452); `500` has numbers. */
export const MAGIC_AREA_CODE_EMPTY = '533';

/** How many candidate numbers an AreaCode purchase tries before giving up. */
export const AREA_CODE_ATTEMPTS = 20;

const invalidNumber = (raw: string): TwilioError =>
  badRequest(21421, `PhoneNumber ${raw} is invalid.`);
const unavailable = (e164: string): TwilioError =>
  badRequest(21422, `PhoneNumber ${e164} is not available.`);
const noNumbers = (areaCode: string): TwilioError =>
  badRequest(21452, `No phone numbers found in area code ${areaCode}.`);
const invalidAreaCode = (areaCode: string): TwilioError =>
  badRequest(21451, `Invalid area code ${areaCode}: expected a US or Canadian area code.`);

/** What a create request asks for: one exact number, or any free number in an area code. */
export type NumberRequest = { kind: 'number'; e164: string } | { kind: 'area'; areaCode: string };

/**
 * Reads `PhoneNumber` (wins when both are sent) or `AreaCode`. Invalid number: 21421; magic
 * numbers as documented; bad area code: 21451; neither given: 20001.
 */
export function readNumberRequest(params: FormParams): NumberRequest {
  const raw = single(params, 'PhoneNumber')?.trim() || undefined;
  if (raw !== undefined) {
    const parsed = parsePhone(raw);
    if (parsed?.channel) throw invalidNumber(raw);
    const key = parsed?.e164 ?? raw;
    // Own keys only: `constructor` or `__proto__` must not find Object.prototype's members.
    const magic = Object.hasOwn(MAGIC_PURCHASE, key) ? MAGIC_PURCHASE[key] : undefined;
    if (magic) throw magic();
    if (!parsed) throw invalidNumber(raw);
    return { kind: 'number', e164: parsed.e164 };
  }
  const areaCode = single(params, 'AreaCode')?.trim() || undefined;
  if (areaCode !== undefined) {
    if (areaCode === MAGIC_AREA_CODE_EMPTY) throw noNumbers(areaCode);
    if (!/^[2-9]\d{2}$/.test(areaCode)) throw invalidAreaCode(areaCode);
    return { kind: 'area', areaCode };
  }
  throw badRequest(20001, 'A PhoneNumber or an AreaCode is required to buy a phone number.');
}

/** A candidate `+1{areaCode}NXXXXXX` from pseudo-random digits derived from `ids`. */
function candidate(areaCode: string, ids: Ids): string {
  const bytes = createHash('sha256').update(ids.secret()).digest();
  const digit = (i: number): number => (bytes[i] ?? 0) % 10;
  const exchange = 2 + ((bytes[0] ?? 0) % 8);
  let rest = '';
  for (let i = 1; i <= 6; i++) rest += String(digit(i));
  return `+1${areaCode}${exchange}${rest}`;
}

/** Inserts `number`; 21422 when anyone already owns it. */
export async function insertExact(store: Store, number: PhoneNumber): Promise<PhoneNumber> {
  if (!(await store.phoneNumbers.insert(number))) throw unavailable(number.phoneNumber);
  return number;
}

/**
 * Buys a free, valid number in `areaCode`: tries up to {@link AREA_CODE_ATTEMPTS} candidates.
 * 21451 when libphonenumber accepts none of them (no such area code), 21452 when all the valid
 * ones are taken.
 */
export async function insertInAreaCode(
  store: Store,
  ids: Ids,
  areaCode: string,
  build: (e164: string) => PhoneNumber,
): Promise<PhoneNumber> {
  let valid = 0;
  for (let i = 0; i < AREA_CODE_ATTEMPTS; i++) {
    const e164 = candidate(areaCode, ids);
    if (MAGIC_PURCHASE[e164] || parsePhone(e164)?.e164 !== e164) continue;
    valid++;
    const number = build(e164);
    if (await store.phoneNumbers.insert(number)) return number;
  }
  throw valid === 0 ? invalidAreaCode(areaCode) : noNumbers(areaCode);
}
