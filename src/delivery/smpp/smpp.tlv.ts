import type { Tlv } from './smpp.pdu.js';

/** Tags of the optional parameters Loft reads or writes (SMPP 3.4 §5.3.2). */
export const TLV_TAG = {
  receipted_message_id: 0x001e,
  sar_msg_ref_num: 0x020c,
  sar_total_segments: 0x020e,
  sar_segment_seqnum: 0x020f,
  sc_interface_version: 0x0210,
  network_error_code: 0x0423,
  message_payload: 0x0424,
  message_state: 0x0427,
} as const;

/** The first TLV with `tag`, if any. */
export function findTlv(tlvs: readonly Tlv[], tag: number): Buffer | undefined {
  return tlvs.find((t) => t.tag === tag)?.value;
}

/** An unsigned integer TLV of 1, 2 or 4 octets. */
export function uintTlv(tag: number, value: number, octets: 1 | 2 | 4): Tlv {
  const buf = Buffer.alloc(octets);
  buf.writeUIntBE(value, 0, octets);
  return { tag, value: buf };
}

/** Reads an unsigned integer TLV (any length up to 4 octets), if present. */
export function readUintTlv(tlvs: readonly Tlv[], tag: number): number | undefined {
  const value = findTlv(tlvs, tag);
  if (value === undefined || value.length === 0 || value.length > 4) return undefined;
  return value.readUIntBE(0, value.length);
}

/** A C-Octet String TLV (receipted_message_id). */
export function cstringTlv(tag: number, text: string): Tlv {
  return { tag, value: Buffer.from(`${text}\0`, 'latin1') };
}

/** Reads a C-Octet String TLV, tolerating a missing NUL. */
export function readCstringTlv(tlvs: readonly Tlv[], tag: number): string | undefined {
  const value = findTlv(tlvs, tag);
  if (value === undefined) return undefined;
  const end = value.indexOf(0);
  return value.toString('latin1', 0, end < 0 ? value.length : end);
}

/** network_error_code: network type (1 ANSI-136, 2 IS-95, 3 GSM) and the network's code. */
export function readNetworkError(tlvs: readonly Tlv[]): { type: number; code: number } | undefined {
  const value = findTlv(tlvs, TLV_TAG.network_error_code);
  if (value === undefined || value.length !== 3) return undefined;
  return { type: value[0] as number, code: value.readUInt16BE(1) };
}
