import { decodeGsm7, encodeGsm7 } from './smpp.gsm7.js';
import type { SmsEncoding } from '../../messages/segments.js';

/** data_coding values Loft sends or reads (SMPP 3.4 §5.2.19). */
export const DATA_CODING = { gsm7: 0x00, ia5: 0x01, latin1: 0x03, ucs2: 0x08 } as const;

/** The data_coding of an encoding chosen by `splitSegments`. */
export function dataCodingOf(encoding: SmsEncoding): number {
  return encoding === 'GSM-7' ? DATA_CODING.gsm7 : DATA_CODING.ucs2;
}

/** Encodes one part's text: GSM-7 unpacked septets, or UCS-2 big-endian (UTF-16 code units). */
export function encodeText(text: string, encoding: SmsEncoding): Buffer {
  if (encoding === 'GSM-7') return encodeGsm7(text);
  const out = Buffer.from(text, 'utf16le');
  return out.swap16();
}

/**
 * Decodes a handset's message by its data_coding: 0 GSM-7 (unpacked), 1 IA5 (ASCII),
 * 3 Latin-1, 8 UCS-2 big-endian; anything else (binary, vendor codings) as Latin-1 so no octet
 * is lost. An odd UCS-2 length drops its last octet.
 */
export function decodeText(octets: Buffer, dataCoding: number): string {
  switch (dataCoding) {
    case DATA_CODING.gsm7:
      return decodeGsm7(octets);
    case DATA_CODING.ia5:
      return octets.toString('ascii');
    case DATA_CODING.ucs2: {
      const even = Buffer.from(octets.subarray(0, octets.length - (octets.length % 2)));
      return even.swap16().toString('utf16le');
    }
    default:
      return octets.toString('latin1');
  }
}
