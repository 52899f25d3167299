import { TLV_TAG, findTlv, readUintTlv } from './smpp.tlv.js';
import { decodeText } from './smpp.text.js';
import type { Pdu } from './smpp.pdu.js';

/** One handset message part as read from a deliver_sm / data_sm. */
export interface MoPart {
  from: string;
  to: string;
  /** Concatenation: reference, total parts and this part's number (1-based); absent if single. */
  concat?: { ref: number; total: number; seq: number };
  text: string;
}

/**
 * Reads an MO PDU: message_payload (if present) else short_message; a UDH (esm_class 0x40)
 * with an 8-bit (IE 0x00) or 16-bit (IE 0x08) concatenation element, else sar_ TLVs; the text
 * decoded by data_coding after the UDH.
 */
export function readMoPart(pdu: Pdu, from: string, to: string): MoPart {
  let octets =
    findTlv(pdu.tlvs, TLV_TAG.message_payload) ?? pdu.fields.shortMessage ?? Buffer.alloc(0);
  let concat: MoPart['concat'];
  if (((pdu.fields.esmClass ?? 0) & 0x40) !== 0 && octets.length > 0) {
    const udhl = octets[0] as number;
    const udh = octets.subarray(1, 1 + udhl);
    octets = octets.subarray(1 + udhl);
    for (let i = 0; i + 1 < udh.length;) {
      const iei = udh[i] as number;
      const len = udh[i + 1] as number;
      const ie = udh.subarray(i + 2, i + 2 + len);
      if (iei === 0x00 && len === 3)
        concat = { ref: ie[0] as number, total: ie[1] as number, seq: ie[2] as number };
      if (iei === 0x08 && len === 4)
        concat = { ref: ie.readUInt16BE(0), total: ie[2] as number, seq: ie[3] as number };
      i += 2 + len;
    }
  } else {
    const ref = readUintTlv(pdu.tlvs, TLV_TAG.sar_msg_ref_num);
    const total = readUintTlv(pdu.tlvs, TLV_TAG.sar_total_segments);
    const seq = readUintTlv(pdu.tlvs, TLV_TAG.sar_segment_seqnum);
    if (ref !== undefined && total !== undefined && seq !== undefined) concat = { ref, total, seq };
  }
  const text = decodeText(octets, pdu.fields.dataCoding ?? 0);
  return concat && concat.total > 1 ? { from, to, concat, text } : { from, to, text };
}

interface PendingSet {
  firstAt: number;
  total: number;
  parts: Map<number, string>;
}

/**
 * Reassembles concatenated MO parts, keyed by sender, recipient and reference. Incomplete sets
 * are held in memory for at most `holdMs` (default 5 minutes) and at most `maxSets` at once
 * (default 1000); a set that expires or is pushed out is DROPPED with a warning (its parts were
 * already acknowledged to the SMSC: a partial text would be misleading, and a handset resends
 * rarely). A restart loses incomplete sets too.
 */
export class MoReassembler {
  private readonly sets = new Map<string, PendingSet>();

  constructor(
    private readonly onDrop: (key: string, got: number, total: number) => void,
    private readonly holdMs = 300_000,
    private readonly maxSets = 1000,
  ) {}

  /**
   * Adds a part; returns the whole text when it completed a message (or was single), with
   * `commit` to forget the set once the message is safely ingested (until then a part the SMSC
   * delivers again completes it again).
   */
  add(part: MoPart, now: number): { body: string; commit(): void } | undefined {
    this.expire(now);
    if (!part.concat) return { body: part.text, commit: () => undefined };
    const { ref, total, seq } = part.concat;
    const key = `${part.from}|${part.to}|${ref}|${total}`;
    let set = this.sets.get(key);
    if (!set) {
      if (this.sets.size >= this.maxSets) this.drop(this.sets.keys().next().value as string);
      set = { firstAt: now, total, parts: new Map() };
      this.sets.set(key, set);
    }
    set.parts.set(seq, part.text);
    if (set.parts.size < total) return undefined;
    const body = [...set.parts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, t]) => t)
      .join('');
    return { body, commit: () => this.sets.delete(key) };
  }

  private expire(now: number): void {
    for (const [key, set] of this.sets) if (now - set.firstAt > this.holdMs) this.drop(key);
  }

  private drop(key: string): void {
    const set = this.sets.get(key);
    this.sets.delete(key);
    if (set) this.onDrop(key, set.parts.size, set.total);
  }
}
