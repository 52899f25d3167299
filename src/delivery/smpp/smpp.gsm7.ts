/**
 * GSM 03.38 default alphabet, as SMPP carries it with data_coding 0: one septet per octet,
 * UNPACKED. SMPP 3.4 leaves the packing of data_coding 0 to the SMSC, and SMSCs (Kannel,
 * Jasmin, the big aggregators) expect unpacked septets on the SMPP link and pack them for the
 * air interface themselves; Loft therefore never packs. Extension characters go as ESC (0x1B)
 * plus their code.
 */

/** The basic table by septet value (0x1B, the escape, is a placeholder here). */
const BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?' +
  '¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà';

/** Extension table: character → code after the escape. */
const EXTENSION: ReadonlyArray<readonly [string, number]> = [
  ['\f', 0x0a],
  ['^', 0x14],
  ['{', 0x28],
  ['}', 0x29],
  ['\\', 0x2f],
  ['[', 0x3c],
  ['~', 0x3d],
  [']', 0x3e],
  ['|', 0x40],
  ['€', 0x65],
];

const ESC = 0x1b;
const TO_SEPTET = new Map<string, number>();
for (let i = 0; i < BASIC.length; i++) if (i !== ESC) TO_SEPTET.set(BASIC[i] as string, i);
const TO_EXTENDED = new Map(EXTENSION);
const FROM_EXTENDED = new Map(EXTENSION.map(([ch, code]) => [code, ch]));

/** Whether every character of `text` has a GSM-7 septet (basic or extension). */
export function isGsm7Text(text: string): boolean {
  for (const ch of text) if (!TO_SEPTET.has(ch) && !TO_EXTENDED.has(ch)) return false;
  return true;
}

/** Encodes GSM-7 text as unpacked septets; throws for a character outside the alphabet. */
export function encodeGsm7(text: string): Buffer {
  const out: number[] = [];
  for (const ch of text) {
    const basic = TO_SEPTET.get(ch);
    if (basic !== undefined) {
      out.push(basic);
      continue;
    }
    const extended = TO_EXTENDED.get(ch);
    if (extended === undefined) throw new RangeError(`not GSM-7: U+${ch.codePointAt(0)}`);
    out.push(ESC, extended);
  }
  return Buffer.from(out);
}

/**
 * Decodes unpacked septets. Bit 7 is ignored; an escape before an unknown code yields the
 * basic character (the spec's fallback); a trailing escape is dropped.
 */
export function decodeGsm7(octets: Buffer): string {
  let out = '';
  for (let i = 0; i < octets.length; i++) {
    const septet = (octets[i] as number) & 0x7f;
    if (septet !== ESC) {
      out += BASIC[septet];
      continue;
    }
    const next = octets[i + 1];
    if (next === undefined) break;
    i++;
    out += FROM_EXTENDED.get(next & 0x7f) ?? BASIC[next & 0x7f];
  }
  return out;
}
