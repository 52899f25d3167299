import { describe, it, expect } from 'vitest';

import { countSegments, smartEncode } from '../../src/messages/segments.js';

const a = (n: number): string => 'a'.repeat(n);
/** Cyrillic zhe: one UTF-16 code unit, not in GSM-7. */
const zhe = (n: number): string => 'ж'.repeat(n);
const GRIN = '😀'; // U+1F600, a surrogate pair (2 code units)
const FLAG_IT = '🇮🇹'; // two regional indicators = one grapheme of 4 code units

describe('countSegments — GSM-7', () => {
  it('counts an empty body as 1 GSM-7 segment', () => {
    expect(countSegments('')).toEqual({ encoding: 'GSM-7', segments: 1, body: '' });
  });

  it('fits 160 basic characters in 1 segment and splits 161 into 2', () => {
    expect(countSegments(a(160))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(countSegments(a(161))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it('uses 153 septets per concatenated segment: 306 = 2, 307 = 3', () => {
    expect(countSegments(a(306)).segments).toBe(2);
    expect(countSegments(a(307)).segments).toBe(3);
    expect(countSegments(a(459)).segments).toBe(3);
    expect(countSegments(a(460)).segments).toBe(4);
  });

  it('recognises the whole GSM 03.38 basic set (127 chars) as GSM-7', () => {
    const basic =
      '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
      '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';
    expect(basic.length).toBe(127);
    expect(countSegments(basic)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    // 127 + 33 = 160 septets still fits one segment; one more character does not.
    expect(countSegments(basic + a(33)).segments).toBe(1);
    expect(countSegments(basic + a(34)).segments).toBe(2);
  });

  it('counts extension characters as 2 septets: 80 € = 1 segment, 81 € = 2', () => {
    expect(countSegments('€'.repeat(80))).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(countSegments('€'.repeat(81))).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });

  it.each(['^', '{', '}', '\\', '[', ']', '~', '|', '€', '\f'])(
    'counts extension char %j as 2 septets',
    (ch) => {
      // 158 + 2 = 160 septets -> 1 segment; 159 + 2 = 161 septets -> 2 segments.
      expect(countSegments(a(158) + ch)).toMatchObject({ encoding: 'GSM-7', segments: 1 });
      expect(countSegments(a(159) + ch)).toMatchObject({ encoding: 'GSM-7', segments: 2 });
    },
  );

  it('never splits an escape pair across a segment boundary', () => {
    // 152 + 2 + 152 = 306 septets, which would be exactly 2 × 153 if the pair could split.
    // Segment 1 holds 152 'a' (the € does not fit in the last septet), segment 2 holds
    // € + 151 'a' = 153, and the last 'a' needs a third segment.
    expect(countSegments(a(152) + '€' + a(152))).toMatchObject({
      encoding: 'GSM-7',
      segments: 3,
    });
    // Same 306 septets with the pair not straddling the boundary: 2 segments.
    expect(countSegments('€' + a(304)).segments).toBe(2);
  });

  it('treats CR LF as two GSM-7 characters', () => {
    expect(countSegments(a(158) + '\r\n')).toMatchObject({ encoding: 'GSM-7', segments: 1 });
    expect(countSegments(a(159) + '\r\n')).toMatchObject({ encoding: 'GSM-7', segments: 2 });
  });
});

describe('countSegments — UCS-2', () => {
  it('fits 70 code units in 1 segment and splits 71 into 2', () => {
    expect(countSegments(zhe(70))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(countSegments(zhe(71))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('uses 67 code units per concatenated segment: 134 = 2, 135 = 3', () => {
    expect(countSegments(zhe(134)).segments).toBe(2);
    expect(countSegments(zhe(135)).segments).toBe(3);
  });

  it('switches the whole body to UCS-2 for one non-GSM character', () => {
    // 69 GSM chars + 1 non-GSM = 70 code units -> 1 segment; 70 + 1 = 71 -> 2 segments.
    expect(countSegments(a(69) + 'ж')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(countSegments(a(70) + 'ж')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('treats a backtick as non-GSM', () => {
    expect(countSegments('`')).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    // 100 GSM chars would be 1 GSM-7 segment; with a backtick it is 101 units -> 2 segments.
    expect(countSegments(a(100) + '`')).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('treats lowercase ç as non-GSM (only Ç is in the table)', () => {
    expect(countSegments('Ç').encoding).toBe('GSM-7');
    expect(countSegments('ç').encoding).toBe('UCS-2');
  });

  it('counts extension characters as 1 code unit in UCS-2', () => {
    expect(countSegments('ж' + '€'.repeat(69))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(countSegments('ж' + '€'.repeat(70))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
  });

  it('counts an emoji as 2 code units', () => {
    // 35 emoji = 70 code units (35 characters) -> 1 segment; 36 = 72 units -> 2 segments.
    expect(countSegments(GRIN.repeat(35))).toMatchObject({ encoding: 'UCS-2', segments: 1 });
    expect(countSegments(GRIN.repeat(36))).toMatchObject({ encoding: 'UCS-2', segments: 2 });
    // 1 emoji + 69 letters = 70 characters but 71 code units -> 2 segments.
    expect(countSegments(GRIN + a(69)).segments).toBe(2);
    expect(countSegments(GRIN + a(68)).segments).toBe(1);
  });

  it('never splits a surrogate pair across a segment boundary', () => {
    // 66 + 2 + 66 = 134 units = exactly 2 × 67 if the pair could split. Segment 1 holds 66 'ж'
    // (the emoji does not fit in the last unit), segment 2 holds emoji + 65 'ж' = 67 units,
    // and the last 'ж' needs a third segment.
    expect(countSegments(zhe(66) + GRIN + zhe(66))).toMatchObject({
      encoding: 'UCS-2',
      segments: 3,
    });
    // 67 emoji = 134 units, but only 33 pairs (66 units) fit per segment -> 3 segments.
    expect(countSegments(GRIN.repeat(67)).segments).toBe(3);
  });

  it('keeps a multi-code-point grapheme (flag) whole across a boundary', () => {
    // 65 + 4 + 65 = 134 units. Splitting only at code points would give 65 ж + 🇮 (67) and
    // 🇹 + 65 ж (67) = 2 segments; keeping the flag whole gives 65 | flag + 63 | 2 = 3.
    expect(countSegments(zhe(65) + FLAG_IT + zhe(65)).segments).toBe(3);
  });

  it('still counts a single overlong grapheme (combining-mark run) by code points', () => {
    // 'a' + 140 combining acute accents is one grapheme of 141 units: 67 + 67 + 7 -> 3.
    expect(countSegments('a' + '\u0301'.repeat(140))).toMatchObject({
      encoding: 'UCS-2',
      segments: 3,
    });
  });
});

describe('countSegments — smartEncoded', () => {
  const smart = '\u201c' + a(150) + '\u201d'; // “aaa…aaa”

  it('leaves the body alone when smartEncoded is false or omitted', () => {
    // 152 UCS-2 units -> 67 + 67 + 18 -> 3 segments.
    expect(countSegments(smart)).toEqual({ encoding: 'UCS-2', segments: 3, body: smart });
    expect(countSegments(smart, { smartEncoded: false })).toEqual({
      encoding: 'UCS-2',
      segments: 3,
      body: smart,
    });
  });

  it('turns smart quotes back into GSM-7 and recounts', () => {
    const expectedBody = '"' + a(150) + '"';
    expect(countSegments(smart, { smartEncoded: true })).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      body: expectedBody,
    });
  });

  it('counts the expanded text (… becomes three septets)', () => {
    // 157 + 3 = 160 septets -> 1 segment; 158 + 3 = 161 -> 2 segments.
    expect(countSegments(a(157) + '\u2026', { smartEncoded: true })).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      body: a(157) + '...',
    });
    expect(countSegments(a(158) + '\u2026', { smartEncoded: true }).segments).toBe(2);
  });

  it('makes a backtick GSM-7 by mapping it to an apostrophe', () => {
    expect(countSegments('don`t', { smartEncoded: true })).toEqual({
      encoding: 'GSM-7',
      segments: 1,
      body: "don't",
    });
  });

  it('keeps the original body when unconvertible characters remain', () => {
    const body = '\u201chi\u201d ' + GRIN;
    expect(countSegments(body, { smartEncoded: true })).toEqual({
      encoding: 'UCS-2',
      segments: 1,
      body,
    });
  });
});

describe('smartEncode', () => {
  it('maps quotes, dashes, spaces and ellipsis to GSM-7 equivalents', () => {
    expect(smartEncode('\u201cHi\u201d \u2018there\u2019')).toBe('"Hi" \'there\'');
    expect(smartEncode('a\u2013b\u2014c')).toBe('a-b-c');
    expect(smartEncode('a\u00a0b\u2009c\u3000d')).toBe('a b c d');
    expect(smartEncode('Wait\u2026')).toBe('Wait...');
    expect(smartEncode('\u00bd')).toBe('1/2');
    expect(smartEncode('\uff21\uff11\u1d00')).toBe('A1A');
    expect(smartEncode('\u2039x\u203a')).toBe('<x>');
    expect(smartEncode('a\u200bb\ufeffc')).toBe('abc');
    expect(smartEncode('a\tb')).toBe('a       b');
  });

  it('leaves text without mapped characters untouched', () => {
    const body = 'Привет 😀 café [ok] {} € \r\n';
    expect(smartEncode(body)).toBe(body);
    expect(smartEncode('')).toBe('');
  });

  it('replaces mapped characters without disturbing their unmapped neighbours', () => {
    expect(smartEncode('😀\u201cж\u201d😀')).toBe('😀"ж"😀');
  });
});
