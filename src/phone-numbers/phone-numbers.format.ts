import { parsePhoneNumberFromString } from 'libphonenumber-js/max';

/** The `type` Twilio reports for an IncomingPhoneNumber. */
export type PhoneNumberType = 'local' | 'mobile' | 'tollfree';

/** NANP area codes reserved for toll-free service. */
export const NANP_TOLL_FREE_AREA_CODES: readonly string[] = [
  '800',
  '833',
  '844',
  '855',
  '866',
  '877',
  '888',
];

const NANP = /^\+1(\d{3})(\d{3})(\d{4})$/;

/**
 * The number's type: `tollfree` for the NANP toll-free area codes (and numbers libphonenumber
 * calls TOLL_FREE elsewhere), `mobile` for MOBILE numbers outside NANP, else `local`.
 */
export function phoneNumberType(e164: string): PhoneNumberType {
  const nanp = NANP.exec(e164);
  if (nanp) return NANP_TOLL_FREE_AREA_CODES.includes(nanp[1] ?? '') ? 'tollfree' : 'local';
  const type = parsePhoneNumberFromString(e164)?.getType();
  if (type === 'TOLL_FREE') return 'tollfree';
  return type === 'MOBILE' ? 'mobile' : 'local';
}

/**
 * Twilio's default friendly name: `(415) 555-2345` for a NANP number, else libphonenumber's
 * national format (`020 7946 0958`); the E.164 string when the number cannot be parsed.
 */
export function defaultFriendlyName(e164: string): string {
  const nanp = NANP.exec(e164);
  if (nanp) return `(${nanp[1]}) ${nanp[2]}-${nanp[3]}`;
  return parsePhoneNumberFromString(e164)?.formatNational() || e164;
}
