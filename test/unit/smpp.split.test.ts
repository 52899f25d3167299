import { describe, expect, it } from 'vitest';

import { buildSubmits } from '../../src/delivery/smpp/smpp.submit.js';
import { TLV_TAG, readUintTlv } from '../../src/delivery/smpp/smpp.tlv.js';
import { countSegments, splitSegments } from '../../src/messages/segments.js';
import type { Submission } from '../../src/delivery/carrier.js';

/** A seeded PRNG so the corpus is the same every run. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = [
  'a',
  'Z',
  ' ',
  '€',
  '[',
  '{',
  '\\',
  'é',
  'ж',
  '😀',
  '🇮🇹',
  '👨‍👩‍👧',
  'e\u0301',
  '\r\n',
  '…',
  '“',
  '7',
];

function corpus(): string[] {
  const out = [
    '',
    'a'.repeat(153),
    'a'.repeat(154),
    'a'.repeat(160),
    'a'.repeat(161),
    'a'.repeat(306),
    'a'.repeat(307),
  ];
  // Escapes straddling the 153rd septet, and emoji straddling the 67th code unit.
  for (let k = 150; k <= 154; k++) out.push('a'.repeat(k) + '€'.repeat(5) + 'b'.repeat(200));
  for (let k = 64; k <= 68; k++) out.push('ж'.repeat(k) + '😀🇮🇹👨‍👩‍👧'.repeat(4) + 'ж'.repeat(80));
  out.push('ж'.repeat(70), 'ж'.repeat(71), 'ж'.repeat(134), 'ж'.repeat(135));
  // SmartEncoded bodies: the replaced text is what goes on the air.
  for (const raw of ['“Quoted” … – dash'.repeat(12), '«ok» ‘x’ ﬁ'.repeat(20)])
    out.push(countSegments(raw, { smartEncoded: true }).body);
  const random = prng(18);
  for (let i = 0; i < 300; i++) {
    let s = '';
    const n = Math.floor(random() * 500);
    const gsmOnly = random() < 0.5;
    for (let j = 0; j < n; j++) {
      const pool = gsmOnly ? PIECES.slice(0, 8) : PIECES;
      s += pool[Math.floor(random() * pool.length)];
    }
    out.push(s);
  }
  return out;
}

describe('splitSegments', () => {
  it('gives exactly countSegments(body).segments parts that join back to the body, over a varied corpus', () => {
    for (const body of corpus()) {
      const { parts, encoding } = splitSegments(body);
      const counted = countSegments(body);
      expect({ body, n: parts.length, encoding }).toEqual({
        body,
        n: counted.segments,
        encoding: counted.encoding,
      });
      expect(parts.join('')).toBe(body);
    }
  });

  it('never splits an escape pair or a surrogate pair, and respects 153 septets / 67 units', () => {
    const { parts } = splitSegments('a'.repeat(152) + '€' + 'b'.repeat(10));
    expect(parts[0]).toBe('a'.repeat(152));
    const emoji = splitSegments('ж'.repeat(66) + '😀' + 'ж'.repeat(10)).parts;
    expect(emoji[0]).toBe('ж'.repeat(66));
    expect(splitSegments('a'.repeat(307)).parts.map((p) => p.length)).toEqual([153, 153, 1]);
  });
});

const submission = (
  body: string,
  options: Record<string, string> = {},
  from = '+15550001111',
): Submission => ({
  message: { from, to: '+33612345678', options } as unknown as Submission['message'],
  body,
  mediaUrls: [],
  numSegments: countSegments(body).segments,
});
const config = { sourceTon: 1, sourceNpi: 1, longMessages: 'udh' as const };

describe('buildSubmits', () => {
  it('udh: one submit_sm per part with esm_class 0x40 and 05 00 03 ref total seq', () => {
    const parts = buildSubmits(submission('a'.repeat(307)), config, 0x1ab);
    expect(parts).toHaveLength(3);
    expect(parts[2]?.fields.esmClass).toBe(0x40);
    expect(parts[2]?.fields.shortMessage?.subarray(0, 6)).toEqual(Buffer.of(5, 0, 3, 0xab, 3, 3));
    expect(parts[0]?.fields).toMatchObject({
      dataCoding: 0,
      registeredDelivery: 1,
      sourceAddr: '15550001111',
      destinationAddr: '33612345678',
      destAddrTon: 1,
    });
  });

  it('sar: TLVs carry the reference, total and sequence; payload: one submit_sm with message_payload', () => {
    const sar = buildSubmits(
      submission('ж'.repeat(71)),
      { ...config, longMessages: 'sar' },
      0x1234,
    );
    expect(sar.map((p) => readUintTlv(p.tlvs, TLV_TAG.sar_segment_seqnum))).toEqual([1, 2]);
    expect(readUintTlv(sar[0]!.tlvs, TLV_TAG.sar_msg_ref_num)).toBe(0x1234);
    expect(sar[0]?.fields.dataCoding).toBe(8);
    const payload = buildSubmits(
      submission('ж'.repeat(71)),
      { ...config, longMessages: 'payload' },
      1,
    );
    expect(payload).toHaveLength(1);
    expect(payload[0]?.tlvs[0]?.value.length).toBe(142);
  });

  it('source TON/NPI: E.164 from config, alphanumeric 5/0; validity_period relative from ValidityPeriod', () => {
    const [alpha] = buildSubmits(
      submission('hi', { ValidityPeriod: '3661' }, 'Loft'),
      { ...config, sourceTon: 2, sourceNpi: 9 },
      1,
    );
    expect(alpha?.fields).toMatchObject({
      sourceAddrTon: 5,
      sourceAddrNpi: 0,
      sourceAddr: 'Loft',
      validityPeriod: '000000010101000R',
    });
    const [e164] = buildSubmits(submission('hi'), { ...config, sourceTon: 2, sourceNpi: 9 }, 1);
    expect(e164?.fields).toMatchObject({ sourceAddrTon: 2, sourceAddrNpi: 9, validityPeriod: '' });
  });
});
