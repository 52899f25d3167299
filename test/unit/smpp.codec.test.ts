import { describe, expect, it } from 'vitest';

import { decodePdu, encodePdu } from '../../src/delivery/smpp/smpp.codec.js';
import { FramingError, PduFramer } from '../../src/delivery/smpp/smpp.framer.js';
import { formatStatus } from '../../src/delivery/smpp/smpp.status.js';
import { TLV_TAG, readCstringTlv, readUintTlv, uintTlv } from '../../src/delivery/smpp/smpp.tlv.js';
import { decodeText, encodeText } from '../../src/delivery/smpp/smpp.text.js';
import type { Pdu } from '../../src/delivery/smpp/smpp.pdu.js';

/** Hex with spaces, as PDUs are written out by hand from SMPP 3.4 §4. */
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const ascii = (s: string): string => Buffer.from(s, 'latin1').toString('hex');
const pdu = (p: Partial<Pdu> & Pick<Pdu, 'command'>): Pdu => ({
  status: 0,
  sequence: 1,
  fields: {},
  tlvs: [],
  ...p,
});

describe('SMPP PDU codec — byte vectors from the SMPP 3.4 layouts', () => {
  it('enquire_link is a bare 16-octet header', () => {
    const bytes = hex('00000010 00000015 00000000 00000007');
    expect(encodePdu(pdu({ command: 'enquire_link', sequence: 7 }))).toEqual(bytes);
    expect(decodePdu(bytes)).toMatchObject({ command: 'enquire_link', sequence: 7, status: 0 });
  });

  it('bind_transmitter: C-Octet strings, interface_version 0x34, TON/NPI, empty address_range', () => {
    const bytes = hex(
      `0000002F 00000002 00000000 00000001 ${ascii('SMPP3TEST')}00 ${ascii('secret08')}00 ${ascii('SUBMIT1')}00 34 01 01 00`,
    );
    const p = pdu({
      command: 'bind_transmitter',
      fields: {
        systemId: 'SMPP3TEST',
        password: 'secret08',
        systemType: 'SUBMIT1',
        interfaceVersion: 0x34,
        addrTon: 1,
        addrNpi: 1,
      },
    });
    expect(encodePdu(p)).toEqual(bytes);
    expect(decodePdu(bytes).fields).toMatchObject({
      systemId: 'SMPP3TEST',
      password: 'secret08',
      interfaceVersion: 0x34,
    });
  });

  it('submit_sm with a relative validity_period and a sar TLV', () => {
    const body =
      `00 01 01 ${ascii('15551234567')}00 01 01 ${ascii('33612345678')}00 00 00 00 00 ` +
      `${ascii('000000010000000R')}00 01 00 00 00 02 6869 020E 0001 03`;
    const bytes = hex(`0000004E 00000004 00000000 00000002 ${body}`);
    const p = pdu({
      command: 'submit_sm',
      sequence: 2,
      fields: {
        sourceAddrTon: 1,
        sourceAddrNpi: 1,
        sourceAddr: '15551234567',
        destAddrTon: 1,
        destAddrNpi: 1,
        destinationAddr: '33612345678',
        validityPeriod: '000000010000000R',
        registeredDelivery: 1,
        shortMessage: Buffer.from('hi'),
      },
      tlvs: [uintTlv(TLV_TAG.sar_total_segments, 3, 1)],
    });
    expect(encodePdu(p).length).toBe(0x4e);
    expect(encodePdu(p)).toEqual(bytes);
    const back = decodePdu(bytes);
    expect(back.fields.shortMessage).toEqual(Buffer.from('hi'));
    expect(readUintTlv(back.tlvs, TLV_TAG.sar_total_segments)).toBe(3);
  });

  it('decodes a submit_sm_resp with and without its message_id (error responses may omit it)', () => {
    expect(
      decodePdu(hex(`00000019 80000004 00000000 00000003 ${ascii('5F1A2B3C')}00`)).fields.messageId,
    ).toBe('5F1A2B3C');
    const refused = decodePdu(hex('00000010 80000004 0000000B 00000003'));
    expect(refused).toMatchObject({ command: 'submit_sm_resp', status: 0x0b });
    expect(refused.fields.messageId).toBeUndefined();
  });

  it('reads receipted_message_id and message_state TLVs of a deliver_sm', () => {
    const sm = 'id:1 stat:DELIVRD';
    const bytes = encodePdu(
      pdu({
        command: 'deliver_sm',
        fields: { esmClass: 4, shortMessage: Buffer.from(sm) },
        tlvs: [{ tag: 0x001e, value: hex(`${ascii('ab12')}00`) }, uintTlv(0x0427, 2, 1)],
      }),
    );
    const back = decodePdu(bytes);
    expect(readCstringTlv(back.tlvs, TLV_TAG.receipted_message_id)).toBe('ab12');
    expect(readUintTlv(back.tlvs, TLV_TAG.message_state)).toBe(2);
  });

  it('rejects an unknown command_id with ESME_RINVCMDID', () => {
    expect(() => decodePdu(hex('00000010 00000099 00000000 00000005'))).toThrow(
      expect.objectContaining({ status: 3, sequence: 5 }),
    );
  });

  it('formats command_status as "NAME (0x…)"', () => {
    expect(formatStatus(0x0b)).toBe('ESME_RINVDSTADR (0x0000000B)');
    expect(formatStatus(0x58)).toBe('ESME_RTHROTTLED (0x00000058)');
    expect(formatStatus(0x400)).toBe('UNKNOWN_STATUS (0x00000400)');
  });
});

describe('PduFramer — TCP chunks', () => {
  const a = hex('00000010 00000015 00000000 00000001');
  const b = hex('00000010 80000015 00000000 00000002');

  it('joins partial chunks and splits concatenated ones', () => {
    const framer = new PduFramer();
    const both = Buffer.concat([a, b]);
    expect(framer.push(both.subarray(0, 3))).toEqual([]);
    expect(framer.push(both.subarray(3, 20))).toEqual([a]);
    expect(framer.push(both.subarray(20))).toEqual([b]);
    expect(new PduFramer().push(both)).toEqual([a, b]);
  });

  it('refuses an absurd command_length instead of waiting for it', () => {
    expect(() => new PduFramer().push(hex('7FFFFFFF 00000004 00000000 00000009'))).toThrow(
      FramingError,
    );
    expect(() => new PduFramer().push(hex('00000008 00000004'))).toThrow(FramingError);
  });
});

describe('SMPP text', () => {
  it('GSM-7 is unpacked, one septet per octet, extension characters after ESC', () => {
    expect(encodeText('Hello', 'GSM-7')).toEqual(hex('48 65 6C 6C 6F'));
    expect(encodeText('@£€[', 'GSM-7')).toEqual(hex('00 01 1B65 1B3C'));
    expect(decodeText(hex('00 01 1B65 1B3C 48'), 0)).toBe('@£€[H');
  });

  it('UCS-2 is big-endian UTF-16, surrogate pairs kept', () => {
    expect(encodeText('é😀', 'UCS-2')).toEqual(hex('00E9 D83D DE00'));
    expect(decodeText(hex('00E9 D83D DE00'), 8)).toBe('é😀');
  });

  it('decodes Latin-1 (3) and IA5 (1)', () => {
    expect(decodeText(hex('E9 74 E9'), 3)).toBe('été');
    expect(decodeText(hex('41 42'), 1)).toBe('AB');
  });
});
