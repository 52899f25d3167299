import { describe, expect, it } from 'vitest';
import { TwilioError } from '../../src/http/errors.js';
import { hasNul, parseForm, parseFormStrict } from '../../src/http/form.js';
import { parseDateFilter, rfc2822 } from '../../src/http/dates.js';

describe('parseForm', () => {
  it('decodes + as space, percent-encoded keys and repeated keys', () => {
    expect(
      parseForm('Body=a+b%20c&DateSent%3E=2024-01-01&MediaUrl=x&MediaUrl=y&Empty=&Flag'),
    ).toEqual({
      Body: 'a b c',
      'DateSent>': '2024-01-01',
      MediaUrl: ['x', 'y'],
      Empty: '',
      Flag: '',
    });
  });
  it('returns null on malformed percent-encoding or invalid UTF-8', () => {
    expect(parseForm('a=%')).toBeNull();
    expect(parseForm('a=%ZZ')).toBeNull();
    expect(parseForm('%E0%A4%A=1')).toBeNull();
    expect(parseForm('a=%C3%28')).toBeNull();
  });
  it('does not let keys reach the prototype', () => {
    const p = parseForm('__proto__=x&constructor=y');
    expect(p?.['__proto__']).toBe('x');
    expect(({} as Record<string, unknown>)['x']).toBeUndefined();
  });
});

describe('parseFormStrict', () => {
  it('refuses a NUL in a key or a value, and bad escapes, with 400 / 20001', () => {
    for (const input of ['a=x%00', '%00=1', 'a=1&a=%00', 'a=%ZZ']) {
      const r = parseFormStrict(input, 'form body');
      expect(r, input).toBeInstanceOf(TwilioError);
      expect(r).toMatchObject({ status: 400, code: 20001 });
    }
    expect((parseFormStrict('a=%00', 'query string') as TwilioError).message).toBe(
      'Malformed query string: NUL character (U+0000)',
    );
    expect(parseFormStrict('a=%2500&b=0', 'form body')).toEqual({ a: '%00', b: '0' });
  });
  it('hasNul looks at keys, values and repeated values', () => {
    expect(hasNul({ a: 'x', b: ['y', 'z'] })).toBe(false);
    expect(hasNul({ a: ['y', '\u0000'] })).toBe(true);
    expect(hasNul({ 'a\u0000': 'x' })).toBe(true);
  });
});

describe('dates', () => {
  it('formats RFC 2822 with +0000 and zero padding', () => {
    expect(rfc2822(Date.UTC(2019, 4, 4, 7, 8, 9))).toBe('Sat, 04 May 2019 07:08:09 +0000');
  });
  it('parses date filters into inclusive ranges', () => {
    expect(parseDateFilter('2024-05-01')).toEqual({
      from: Date.UTC(2024, 4, 1),
      to: Date.UTC(2024, 4, 2) - 1,
    });
    const t = Date.UTC(2024, 4, 1, 12, 0, 0);
    expect(parseDateFilter('2024-05-01T12:00:00Z')).toEqual({ from: t, to: t + 999 });
    expect(parseDateFilter('2024-05-01T14:00:00+02:00')).toEqual({ from: t, to: t + 999 });
    expect(parseDateFilter('2024-05-01T14:00:00+0200')).toEqual({ from: t, to: t + 999 });
    expect(parseDateFilter('2024-05-01 12:00:00')).toEqual({ from: t, to: t + 999 });
    expect(parseDateFilter('2024-02-30')).toBeNull();
    expect(parseDateFilter('2024-02-30T00:00:00Z')).toBeNull();
    expect(parseDateFilter('2024-05-01T24:00:00Z')).toBeNull();
    expect(parseDateFilter('0099-05-01')?.from).toBe(new Date('0099-05-01T00:00:00Z').getTime());
    expect(parseDateFilter('nope')).toBeNull();
  });
});
