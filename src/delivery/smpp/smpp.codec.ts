import { COMMAND_ID, LAYOUTS, commandName } from './smpp.pdu.js';
import type { Pdu, PduFields, Tlv } from './smpp.pdu.js';

/**
 * Encoding and decoding of whole SMPP 3.4 PDUs: a 16-octet header (command_length, command_id,
 * command_status, sequence_number, all big-endian) then the command's mandatory fields and its
 * TLVs. C-Octet Strings are written as ASCII/Latin-1 octets plus a NUL.
 */

/** The header's size in octets. */
export const HEADER_LENGTH = 16;

/** Thrown for a PDU that cannot be decoded; `status` is what to answer in a generic_nack. */
export class PduError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly sequence: number,
  ) {
    super(message);
    this.name = 'PduError';
  }
}

/** Encodes one PDU (command_length computed). */
export function encodePdu(pdu: Pdu): Buffer {
  const chunks: Buffer[] = [Buffer.alloc(HEADER_LENGTH)];
  for (const [name, kind] of LAYOUTS[pdu.command]) {
    const value = pdu.fields[name];
    if (kind === 'cstring')
      chunks.push(Buffer.from(`${(value as string | undefined) ?? ''}\0`, 'latin1'));
    else if (kind === 'u8') chunks.push(Buffer.of(((value as number | undefined) ?? 0) & 0xff));
    else {
      const sm = (value as Buffer | undefined) ?? Buffer.alloc(0);
      if (sm.length > 254) throw new RangeError('short_message longer than 254 octets');
      chunks.push(Buffer.of(sm.length), sm);
    }
  }
  for (const tlv of pdu.tlvs) {
    const head = Buffer.alloc(4);
    head.writeUInt16BE(tlv.tag, 0);
    head.writeUInt16BE(tlv.value.length, 2);
    chunks.push(head, tlv.value);
  }
  const out = Buffer.concat(chunks);
  out.writeUInt32BE(out.length, 0);
  out.writeUInt32BE(COMMAND_ID[pdu.command], 4);
  out.writeUInt32BE(pdu.status >>> 0, 8);
  out.writeUInt32BE(pdu.sequence >>> 0, 12);
  return out;
}

/**
 * Decodes one complete PDU (exactly command_length octets). A body cut short is tolerated
 * where SMSCs cut it (an error response without its message_id): the missing fields are left
 * undefined. Throws {@link PduError} for an unknown command or a malformed body.
 */
export function decodePdu(buf: Buffer): Pdu {
  const id = buf.readUInt32BE(4);
  const status = buf.readUInt32BE(8);
  const sequence = buf.readUInt32BE(12);
  const command = commandName(id);
  if (command === undefined) {
    throw new PduError(`unknown command_id 0x${id.toString(16)}`, 0x03, sequence);
  }
  const fields: PduFields = {};
  let at = HEADER_LENGTH;
  for (const [name, kind] of LAYOUTS[command]) {
    if (at >= buf.length) break;
    if (kind === 'cstring') {
      const end = buf.indexOf(0, at);
      if (end < 0) throw new PduError(`${command}: unterminated ${name}`, 0x02, sequence);
      (fields as Record<string, unknown>)[name] = buf.toString('latin1', at, end);
      at = end + 1;
    } else if (kind === 'u8') {
      (fields as Record<string, unknown>)[name] = buf[at];
      at += 1;
    } else {
      const length = buf[at] as number;
      if (at + 1 + length > buf.length) {
        throw new PduError(`${command}: sm_length beyond the PDU`, 0x01, sequence);
      }
      fields.shortMessage = Buffer.from(buf.subarray(at + 1, at + 1 + length));
      at += 1 + length;
    }
  }
  return { command, status, sequence, fields, tlvs: decodeTlvs(buf, at, command, sequence) };
}

function decodeTlvs(buf: Buffer, from: number, command: string, sequence: number): Tlv[] {
  const tlvs: Tlv[] = [];
  let at = from;
  while (at < buf.length) {
    if (at + 4 > buf.length) throw new PduError(`${command}: truncated TLV`, 0xc0, sequence);
    const tag = buf.readUInt16BE(at);
    const length = buf.readUInt16BE(at + 2);
    if (at + 4 + length > buf.length) {
      throw new PduError(`${command}: TLV 0x${tag.toString(16)} beyond the PDU`, 0xc2, sequence);
    }
    tlvs.push({ tag, value: Buffer.from(buf.subarray(at + 4, at + 4 + length)) });
    at += 4 + length;
  }
  return tlvs;
}
