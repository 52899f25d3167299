/**
 * SMS segment counting that mirrors Twilio's behaviour.
 *
 * Fact source for the rules and character tables: Twilio's own calculator,
 * https://github.com/TwilioDevEd/message-segment-calculator (src/libs/SegmentedMessage.ts,
 * Segment.ts, EncodedChar.ts, UnicodeToGSM.ts, SmartEncodingMap.ts). The code here is an
 * independent, allocation-light implementation of those rules:
 *
 * - A body is GSM-7 only if every UTF-16 code unit is in the GSM 03.38 basic set or its
 *   extension table; otherwise the whole body is UCS-2.
 * - Every segment is 140 octets (1120 bits). Once a body needs more than one segment, each
 *   segment loses 6 octets to the concatenation User Data Header (UDH), leaving 1072 bits:
 *   GSM-7: 160 septets single / 153 per concatenated segment;
 *   UCS-2: 70 code units single / 67 per concatenated segment.
 * - Characters are never split across segments: a GSM-7 escape pair (2 septets) moves whole to
 *   the next segment, and in UCS-2 a whole grapheme cluster (e.g. a flag, a ZWJ emoji sequence,
 *   a base letter plus combining marks) moves whole, so surrogate pairs are never split either.
 */

/** Character set an SMS body is sent in: 7-bit GSM 03.38 or 16-bit UCS-2 (UTF-16). */
export type SmsEncoding = 'GSM-7' | 'UCS-2';

/** Result of {@link countSegments}. */
export interface SegmentInfo {
  /** Encoding the (possibly smart-encoded) body is sent in. */
  encoding: SmsEncoding;
  /** Number of SMS segments Twilio bills for; at least 1 (an empty body counts as 1). */
  segments: number;
  /** body after smart encoding (unchanged when smartEncoded=false) */
  body: string;
}

// ---------------------------------------------------------------------------------------------
// GSM-7 tables
// ---------------------------------------------------------------------------------------------

/** GSM 03.38 basic character set (1 septet each), in table order. Backtick is NOT included. */
const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** GSM 03.38 extension table: sent as ESC + char, so 2 septets each. */
const GSM7_EXTENSION = '\f^{}\\[]~|€';

/**
 * Septet cost per UTF-16 code unit: 0 = not GSM-7, 1 = basic set, 2 = extension table.
 * Indexed directly by char code; anything at or beyond the table length is not GSM-7.
 */
const SEPTET_COST: Uint8Array = (() => {
  let max = 0;
  for (const ch of GSM7_BASIC + GSM7_EXTENSION) max = Math.max(max, ch.charCodeAt(0));
  const table = new Uint8Array(max + 1);
  for (const ch of GSM7_BASIC) table[ch.charCodeAt(0)] = 1;
  for (const ch of GSM7_EXTENSION) table[ch.charCodeAt(0)] = 2;
  return table;
})();

const SEGMENT_BITS = 140 * 8;
const UDH_BITS = 6 * 8;

const GSM7_SINGLE = Math.floor(SEGMENT_BITS / 7); // 160 septets
const GSM7_MULTI = Math.floor((SEGMENT_BITS - UDH_BITS) / 7); // 153 septets
const UCS2_SINGLE = SEGMENT_BITS / 16; // 70 code units
const UCS2_MULTI = (SEGMENT_BITS - UDH_BITS) / 16; // 67 code units

function septetCost(code: number): number {
  return code < SEPTET_COST.length ? (SEPTET_COST[code] as number) : 0;
}

function isGsm7(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (septetCost(text.charCodeAt(i)) === 0) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Smart encoding table
// ---------------------------------------------------------------------------------------------

/**
 * Smart-encoding replacements, grouped by replacement text. Code point data taken from
 * SmartEncodingMap.ts in Twilio's calculator, with two deliberate deviations:
 * - Unicode spaces (and the C1 controls the calculator lumps in with them) become ONE space;
 *   the calculator maps most of them to two spaces, which looks like a typo (U+2001, U+2028,
 *   U+2029 map to one space there).
 * - U+2039 (‹) becomes '<' and U+203A (›) becomes '>'; the calculator has them reversed.
 * All keys are BMP code points outside GSM-7, so a code-unit scan is safe.
 */
const SMART_ENCODING_GROUPS: ReadonlyArray<readonly [string, readonly number[]]> = [
  [
    '"',
    [
      0x00ab, 0x00bb, 0x201c, 0x201d, 0x201e, 0x201f, 0x02ba, 0x02ee, 0x275d, 0x275e, 0x301d,
      0x301e, 0xff02,
    ],
  ],
  [
    "'",
    [
      0x2018, 0x2019, 0x201b, 0x02b9, 0x02bb, 0x02bc, 0x02bd, 0x02c8, 0x02ca, 0x02cb, 0x00b4,
      0x0060, 0x275b, 0x275c, 0x0313, 0x0314, 0xfe10, 0xfe11, 0xff07,
    ],
  ],
  ['/', [0x00f7, 0x29f8, 0x0337, 0x0338, 0x2044, 0x2215, 0xff0f]],
  ['1/4', [0x00bc]],
  ['1/2', [0x00bd]],
  ['3/4', [0x00be]],
  ['\\', [0x29f9, 0x29f5, 0x20e5, 0xfe68, 0xff3c]],
  ['_', [0x0332, 0xff3f, 0x2017]],
  ['|', [0x20d2, 0x20d3, 0x2223, 0xff5c, 0x23b8, 0x23b9, 0x23d0, 0x239c, 0x239f]],
  ['-', [0x23bc, 0x23bd, 0x2010, 0x2013, 0x2014, 0x2015, 0x2022, 0x2043, 0xfe63, 0xff0d]],
  ['@', [0xfe6b, 0xff20]],
  ['$', [0xfe69, 0xff04]],
  ['!', [0x01c3, 0xfe15, 0xfe57, 0xff01]],
  ['!!', [0x203c]],
  ['#', [0xfe5f, 0xff03]],
  ['%', [0xfe6a, 0xff05]],
  ['&', [0xfe60, 0xff06]],
  [',', [0x201a, 0x0326, 0xfe50, 0xfe51, 0xff0c, 0xff64, 0x3001]],
  ['(', [0x2768, 0x276a, 0xfe59, 0xff08, 0x27ee, 0x2985]],
  [')', [0x2769, 0x276b, 0xfe5a, 0xff09, 0x27ef, 0x2986]],
  [
    '*',
    [
      0x204e, 0x2217, 0x229b, 0x2722, 0x2723, 0x2724, 0x2725, 0x2731, 0x2732, 0x2733, 0x273a,
      0x273b, 0x273c, 0x273d, 0x2743, 0x2749, 0x274a, 0x274b, 0x29c6, 0xfe61, 0xff0a,
    ],
  ],
  ['+', [0x02d6, 0xfe62, 0xff0b]],
  ['.', [0x3002, 0xfe52, 0xff0e, 0xff61]],
  ['...', [0x2026]],
  [':', [0x02d0, 0x02f8, 0x2982, 0xa789, 0xfe13, 0xff1a]],
  [';', [0x204f, 0xfe14, 0xfe54, 0xff1b]],
  ['<', [0xfe64, 0xff1c, 0x2039]],
  ['=', [0x0347, 0xa78a, 0xfe66, 0xff1d]],
  ['>', [0xfe65, 0xff1e, 0x203a]],
  ['?', [0xfe16, 0xfe56, 0xff1f]],
  ['^', [0x02c6, 0x0302, 0xff3e, 0x1dcd]],
  ['{', [0x2774, 0xfe5b, 0xff5b]],
  ['}', [0x2775, 0xfe5c, 0xff5d]],
  ['[', [0xff3b]],
  [']', [0xff3d]],
  ['~', [0x02dc, 0x02f7, 0x0303, 0x0330, 0x0334, 0x223c, 0xff5e]],
  [
    ' ',
    [
      0x00a0, 0x2000, 0x2001, 0x2002, 0x2003, 0x2004, 0x2005, 0x2006, 0x2007, 0x2008, 0x2009,
      0x200a, 0x202f, 0x205f, 0x3000, 0x2028, 0x2029, 0x0080, 0x008d, 0x0090, 0x009b, 0x009f,
    ],
  ],
  // TAB: the calculator expands it to 7 spaces.
  ['       ', [0x0009]],
  // Invisible characters and C0 controls are dropped.
  [
    '',
    [
      0x0000, 0x0003, 0x0004, 0x0010, 0x0011, 0x0012, 0x0013, 0x0014, 0x0017, 0x0019, 0x200b,
      0x2060, 0xfeff,
    ],
  ],
];

/** Fullwidth digits/letters and small-capital letters, generated rather than listed. */
function letterAndDigitEntries(): Array<readonly [number, string]> {
  const entries: Array<readonly [number, string]> = [];
  for (let d = 0; d <= 9; d++) entries.push([0xff10 + d, String(d)]);
  for (let l = 0; l < 26; l++) entries.push([0xff21 + l, String.fromCharCode(0x41 + l)]);
  // LATIN LETTER SMALL CAPITAL x (the calculator's table has no Q or X).
  const smallCapitals: Record<string, number> = {
    A: 0x1d00,
    B: 0x0299,
    C: 0x1d04,
    D: 0x1d05,
    E: 0x1d07,
    F: 0xa730,
    G: 0x0262,
    H: 0x029c,
    I: 0x026a,
    J: 0x1d0a,
    K: 0x1d0b,
    L: 0x029f,
    M: 0x1d0d,
    N: 0x0274,
    O: 0x1d0f,
    P: 0x1d18,
    R: 0x0280,
    S: 0xa731,
    T: 0x1d1b,
    U: 0x1d1c,
    V: 0x1d20,
    W: 0x1d21,
    Y: 0x028f,
    Z: 0x1d22,
  };
  for (const [letter, code] of Object.entries(smallCapitals)) entries.push([code, letter]);
  return entries;
}

/** Code unit → replacement text. */
const SMART_ENCODING: ReadonlyMap<number, string> = (() => {
  const map = new Map<number, string>();
  for (const [replacement, codes] of SMART_ENCODING_GROUPS) {
    for (const code of codes) map.set(code, replacement);
  }
  for (const [code, replacement] of letterAndDigitEntries()) map.set(code, replacement);
  return map;
})();

// ---------------------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------------------

/**
 * Replace Unicode look-alikes with GSM-7 equivalents (Twilio's SmartEncoded).
 *
 * Smart quotes become `"`/`'`, dashes and bullets `-`, Unicode spaces a plain space, `…` becomes
 * `...`, fullwidth/small forms their ASCII counterparts, zero-width characters and some C0
 * controls are removed, TAB becomes 7 spaces. Characters not in the table (including emoji and
 * letters such as `ж`) are left alone; the original string is returned when nothing matches.
 */
export function smartEncode(body: string): string {
  let out = '';
  let copiedUpTo = 0;
  for (let i = 0; i < body.length; i++) {
    const replacement = SMART_ENCODING.get(body.charCodeAt(i));
    if (replacement === undefined) continue;
    out += body.slice(copiedUpTo, i) + replacement;
    copiedUpTo = i + 1;
  }
  return copiedUpTo === 0 ? body : out + body.slice(copiedUpTo);
}

/**
 * Count SMS segments the way Twilio does.
 *
 * With `smartEncoded: true` the body is passed through {@link smartEncode} first, but — as Twilio
 * documents for Smart Encoding — the replacement is only kept when it makes the whole body GSM-7;
 * if something unconvertible (emoji, Cyrillic, …) remains, the original body is counted and
 * returned unchanged. (Twilio's calculator applies the replacements unconditionally.)
 *
 * An empty body counts as 1 GSM-7 segment: Twilio's calculator always starts with one segment,
 * and Twilio reports num_segments "1" for messages that carry only media.
 */
export function countSegments(body: string, options?: { smartEncoded?: boolean }): SegmentInfo {
  let text = body;
  if (options?.smartEncoded) {
    const encoded = smartEncode(body);
    if (encoded !== body && isGsm7(encoded)) text = encoded;
  }

  // One pass: total septets, and how many 153-septet segments a greedy packing that never
  // splits an escape pair needs. Bails out to UCS-2 at the first non-GSM code unit.
  let septets = 0;
  let packed = 1;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const cost = septetCost(text.charCodeAt(i));
    if (cost === 0) {
      return { encoding: 'UCS-2', segments: countUcs2Segments(text), body: text };
    }
    septets += cost;
    if (used + cost > GSM7_MULTI) {
      packed++;
      used = 0;
    }
    used += cost;
  }
  return { encoding: 'GSM-7', segments: septets <= GSM7_SINGLE ? 1 : packed, body: text };
}

// ---------------------------------------------------------------------------------------------
// UCS-2 packing
// ---------------------------------------------------------------------------------------------

let graphemeSegmenter: Intl.Segmenter | undefined;

function isSurrogatePairAt(text: string, index: number): boolean {
  const hi = text.charCodeAt(index);
  const lo = text.charCodeAt(index + 1);
  return hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff;
}

/**
 * Greedy packing into 67-unit segments that never cuts through a grapheme cluster. Instead of
 * walking every grapheme (slow for long bodies), jump 67 units ahead and, if that cut lands
 * inside a grapheme, move the cut back to the grapheme's start. Exceptions: CR LF may be cut
 * between CR and LF (the calculator splits CRLF into two characters), and a grapheme longer
 * than a whole segment (long ZWJ / combining-mark runs) is cut at a code point boundary (the
 * calculator would overfill a segment with it, which no real SMS can carry).
 */
function countUcs2Segments(text: string): number {
  if (text.length <= UCS2_SINGLE) return 1;
  let segments = 1;
  for (let start = 0; start !== text.length; segments++) start = nextUcs2Cut(text, start);
  return segments - 1;
}

/** Where the UCS-2 segment starting at `start` ends (the text's length for the last one). */
function nextUcs2Cut(text: string, start: number): number {
  if (text.length - start <= UCS2_MULTI) return text.length;
  graphemeSegmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let cut = start + UCS2_MULTI;
  const grapheme = graphemeSegmenter.segment(text).containing(cut);
  if (
    grapheme !== undefined &&
    grapheme.index < cut &&
    grapheme.segment.length <= UCS2_MULTI &&
    grapheme.segment !== '\r\n'
  ) {
    cut = grapheme.index; // > start, because the grapheme is no longer than a segment
  } else if (isSurrogatePairAt(text, cut - 1)) {
    cut -= 1;
  }
  return cut;
}

/** Result of {@link splitSegments}. */
export interface SegmentSplit {
  encoding: SmsEncoding;
  /** The body's segments in order; `parts.join('')` is the body, one part for a single SMS. */
  parts: string[];
}

/**
 * Splits a body (as it goes on the air: already smart-encoded when it is) into the segments
 * {@link countSegments} counts, by exactly the same rules: GSM-7 160 septets single or 153 per
 * part with escape pairs never split, else UCS-2 70 code units single or 67 per part with
 * grapheme clusters and surrogate pairs never split. `parts.length` always equals
 * `countSegments(body).segments`, so the parts sent equal the `num_segments` the API showed.
 */
export function splitSegments(body: string): SegmentSplit {
  if (!isGsm7(body)) {
    if (body.length <= UCS2_SINGLE) return { encoding: 'UCS-2', parts: [body] };
    const parts: string[] = [];
    for (let start = 0; start < body.length;) {
      const cut = nextUcs2Cut(body, start);
      parts.push(body.slice(start, cut));
      start = cut;
    }
    return { encoding: 'UCS-2', parts };
  }
  let septets = 0;
  for (let i = 0; i < body.length; i++) septets += septetCost(body.charCodeAt(i));
  if (septets <= GSM7_SINGLE) return { encoding: 'GSM-7', parts: [body] };
  const parts: string[] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < body.length; i++) {
    const cost = septetCost(body.charCodeAt(i));
    if (used + cost > GSM7_MULTI) {
      parts.push(body.slice(start, i));
      start = i;
      used = 0;
    }
    used += cost;
  }
  parts.push(body.slice(start));
  return { encoding: 'GSM-7', parts };
}

/**
 * Whether a message goes out smart-encoded: its own `SmartEncoded` option when it has one,
 * else its Messaging Service's `SmartEncoding` setting, else not.
 */
export function smartEncoded(
  options: Readonly<Record<string, string | string[]>>,
  serviceSetting: boolean | undefined,
): boolean {
  const own = options['SmartEncoded'];
  return own === undefined ? (serviceSetting ?? false) : own === 'true';
}
