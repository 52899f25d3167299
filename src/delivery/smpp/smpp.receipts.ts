import { TLV_TAG, readCstringTlv, readNetworkError, readUintTlv } from './smpp.tlv.js';
import type { Tlv } from './smpp.pdu.js';
import type { PartReceipt } from '../network.carrier.js';

/** esm_class message-type bits that mark a deliver_sm / data_sm as a delivery receipt. */
export const ESM_RECEIPT_MASK = 0x3c;
/** SMSC delivery receipt (0x04); intermediate notifications (0x20) are receipts too. */
export function isReceipt(esmClass: number): boolean {
  const type = esmClass & ESM_RECEIPT_MASK;
  return type === 0x04 || type === 0x08 || type === 0x20;
}

/** The fields of a receipt's text (SMPP 3.4 Appendix B), all optional. */
export interface ReceiptText {
  id?: string;
  stat?: string;
  err?: string;
  doneDate?: string;
  text?: string;
}

/**
 * Parses `id:… sub:… dlvrd:… submit date:… done date:… stat:… err:… text:…`, tolerant of
 * case, missing fields and extra ones (`text:` runs to the end).
 */
export function parseReceiptText(text: string): ReceiptText {
  const out: ReceiptText = {};
  const pattern = /(id|sub|dlvrd|submit date|done date|stat|err|text):/gi;
  const marks = [...text.matchAll(pattern)];
  marks.forEach((mark, i) => {
    const start = (mark.index ?? 0) + mark[0].length;
    const end =
      mark[1]?.toLowerCase() === 'text' ? text.length : (marks[i + 1]?.index ?? text.length);
    const value = text.slice(start, end).trim();
    const key = (mark[1] ?? '').toLowerCase();
    if (key === 'id' && out.id === undefined) out.id = value;
    else if (key === 'stat') out.stat = value.toUpperCase();
    else if (key === 'err') out.err = value;
    else if (key === 'done date') out.doneDate = value;
    else if (key === 'text') out.text = value;
  });
  return out;
}

/** message_state TLV values (SMPP 3.4 §5.2.28) → the receipt text's stat. */
const MESSAGE_STATES = [
  '',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
];

/**
 * The default table, stat → Loft status and Twilio error code:
 *
 * | stat               | status      | error                                       |
 * | ------------------ | ----------- | ------------------------------------------- |
 * | DELIVRD            | delivered   |                                             |
 * | ENROUTE, ACCEPTD   | sent        | (stays sent: not final)                     |
 * | EXPIRED, UNDELIV   | undelivered | 30003 Unreachable; 30005 Unknown destination |
 * |                    |             | when err is 001 or network_error_code GSM 1  |
 * | REJECTD            | undelivered | 30007 (Twilio reports 30007 as undelivered)  |
 * | UNKNOWN, DELETED,  | undelivered | 30008 Unknown error                         |
 * | anything else      |             |                                             |
 *
 * err 001 is MAP's UnknownSubscriber, the value Kannel, Jasmin and most SMSCs write for it.
 * A carrier's `errorMap` overrides the error code of a non-delivered receipt: a key
 * `err:<value>` (compared by numeric value, so "err:1" matches "001") wins over
 * `stat:<STAT>`, which wins over the default.
 */
const DEFAULTS: Record<string, { status: PartReceipt['status']; code?: number }> = {
  DELIVRD: { status: 'delivered' },
  ENROUTE: { status: 'sent' },
  ACCEPTD: { status: 'sent' },
  EXPIRED: { status: 'undelivered', code: 30003 },
  UNDELIV: { status: 'undelivered', code: 30003 },
  REJECTD: { status: 'undelivered', code: 30007 },
  UNKNOWN: { status: 'undelivered', code: 30008 },
  DELETED: { status: 'undelivered', code: 30008 },
};

/** err values meaning "unknown subscriber" (MAP UnknownSubscriber). */
const UNKNOWN_SUBSCRIBER_ERR = new Set([1]);

/** A receipt's reading before its id is canonicalised. */
export type ReceiptReading = Omit<PartReceipt, 'carrier' | 'messageId'> & { rawId: string };

/**
 * Reads a receipt deliver_sm/data_sm: the id from receipted_message_id (else the text's
 * `id:`), the stat from the text (else message_state), mapped by the table above.
 * Undefined when no id can be found.
 */
export function readReceipt(
  text: string,
  tlvs: readonly Tlv[],
  errorMap: Record<string, number>,
  now: number,
): ReceiptReading | undefined {
  const parsed = parseReceiptText(text);
  const rawId = readCstringTlv(tlvs, TLV_TAG.receipted_message_id) ?? parsed.id;
  if (rawId === undefined || rawId.trim() === '') return undefined;
  const state = readUintTlv(tlvs, TLV_TAG.message_state);
  const stat =
    parsed.stat ?? (state !== undefined ? MESSAGE_STATES[state] : undefined) ?? 'UNKNOWN';
  const network = readNetworkError(tlvs);
  const errValue =
    parsed.err !== undefined && /^\d+$/.test(parsed.err) ? Number(parsed.err) : undefined;
  const base = DEFAULTS[stat] ?? { status: 'undelivered' as const, code: 30008 };
  const doneAt = parseDoneDate(parsed.doneDate) ?? now;
  if (base.status === 'delivered' || base.status === 'sent')
    return { rawId, status: base.status, stat, doneAt };
  let code = base.code ?? 30008;
  const unknownSubscriber =
    (errValue !== undefined && UNKNOWN_SUBSCRIBER_ERR.has(errValue)) ||
    (network?.type === 3 && network.code === 1);
  if ((stat === 'EXPIRED' || stat === 'UNDELIV') && unknownSubscriber) code = 30005;
  code = mapped(errorMap, errValue, parsed.err) ?? errorMap[`stat:${stat}`] ?? code;
  const detail = parsed.err !== undefined ? ` err:${parsed.err}` : '';
  return {
    rawId,
    status: base.status,
    errorCode: code,
    errorMessage: `${stat}${detail}`,
    stat,
    doneAt,
  };
}

function mapped(
  errorMap: Record<string, number>,
  value: number | undefined,
  raw: string | undefined,
): number | undefined {
  if (raw === undefined) return undefined;
  if (errorMap[`err:${raw}`] !== undefined) return errorMap[`err:${raw}`];
  if (value === undefined) return undefined;
  for (const [key, code] of Object.entries(errorMap)) {
    const m = /^err:(\d+)$/.exec(key);
    if (m && Number(m[1]) === value) return code;
  }
  return undefined;
}

/** "YYMMDDhhmm" or "YYMMDDhhmmss" (UTC assumed: SMSCs rarely say) → ms; undefined if not. */
export function parseDoneDate(value: string | undefined): number | undefined {
  const m = value === undefined ? null : /^(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)(\d\d)?$/.exec(value);
  if (!m) return undefined;
  const [yy, mo, dd, hh, mi, ss] = m.slice(1).map((part) => Number(part ?? 0));
  const t = Date.UTC(2000 + (yy as number), (mo as number) - 1, dd, hh, mi, ss);
  return Number.isNaN(t) ? undefined : t;
}
