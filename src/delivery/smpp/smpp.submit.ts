import { destinationAddress, relativeValidity, sourceAddress } from './smpp.address.js';
import { dataCodingOf, encodeText } from './smpp.text.js';
import { TLV_TAG, uintTlv } from './smpp.tlv.js';
import { splitSegments } from '../../messages/segments.js';
import type { PduFields, Tlv } from './smpp.pdu.js';
import type { SmppCarrierConfig } from './smpp.types.js';
import type { Submission } from '../carrier.js';

/** One submit_sm to send: its mandatory fields and TLVs. */
export interface SubmitPart {
  fields: PduFields;
  tlvs: Tlv[];
}

/** esm_class bit: the short message starts with a User Data Header. */
export const ESM_UDHI = 0x40;

/**
 * The submit_sm PDUs of one message. The body (already as on the air) is split by
 * `splitSegments`, the rules behind `num_segments`, so the parts sent equal the count the API
 * showed. A long message goes, per the carrier's `longMessages`:
 * - `udh`: one submit_sm per part, esm_class 0x40, short_message = UDH 05 00 03 ref total seq
 *   followed by the part's text;
 * - `sar`: one submit_sm per part with sar_msg_ref_num / sar_total_segments /
 *   sar_segment_seqnum TLVs;
 * - `payload`: ONE submit_sm, the whole body in the message_payload TLV (short_message empty);
 *   the SMSC splits it and answers one message_id, so the result's `parts` has one id.
 * `ref` is the concatenation reference (8 bits for UDH, 16 for sar).
 */
export function buildSubmits(
  submission: Submission,
  config: Pick<SmppCarrierConfig, 'sourceTon' | 'sourceNpi' | 'longMessages'>,
  ref: number,
): SubmitPart[] {
  const { encoding, parts } = splitSegments(submission.body);
  const source = sourceAddress(submission.message.from, config);
  const dest = destinationAddress(submission.message.to);
  const validity = Number(submission.message.options['ValidityPeriod'] ?? Number.NaN);
  const base: PduFields = {
    serviceType: '',
    sourceAddrTon: source.ton,
    sourceAddrNpi: source.npi,
    sourceAddr: source.addr,
    destAddrTon: dest.ton,
    destAddrNpi: dest.npi,
    destinationAddr: dest.addr,
    esmClass: 0,
    registeredDelivery: 1,
    dataCoding: dataCodingOf(encoding),
    validityPeriod: relativeValidity(Number.isNaN(validity) ? undefined : validity) ?? '',
  };
  if (parts.length === 1) {
    return [
      { fields: { ...base, shortMessage: encodeText(parts[0] as string, encoding) }, tlvs: [] },
    ];
  }
  if (config.longMessages === 'payload') {
    const payload = encodeText(submission.body, encoding);
    return [
      {
        fields: { ...base, shortMessage: Buffer.alloc(0) },
        tlvs: [{ tag: TLV_TAG.message_payload, value: payload }],
      },
    ];
  }
  return parts.map((text, i) => {
    const octets = encodeText(text, encoding);
    if (config.longMessages === 'sar') {
      const tlvs = [
        uintTlv(TLV_TAG.sar_msg_ref_num, ref & 0xffff, 2),
        uintTlv(TLV_TAG.sar_total_segments, parts.length, 1),
        uintTlv(TLV_TAG.sar_segment_seqnum, i + 1, 1),
      ];
      return { fields: { ...base, shortMessage: octets }, tlvs };
    }
    const udh = Buffer.of(0x05, 0x00, 0x03, ref & 0xff, parts.length, i + 1);
    return {
      fields: { ...base, esmClass: ESM_UDHI, shortMessage: Buffer.concat([udh, octets]) },
      tlvs: [],
    };
  });
}
