import { describe, expect, it } from 'vitest';
import { TwilioError } from '../../src/http/errors.js';
import { parseTags } from '../../src/messages/tags.js';

const invalid = (raw: string) => {
  try {
    parseTags(raw);
  } catch (e) {
    return e;
  }
  return undefined;
};

describe('parseTags (2010-04-01 Message Tags)', () => {
  it("accepts the spec's request example, with spaces", () => {
    expect(
      parseTags('{"campaign_name": "Spring Sale 2022","message_type": "cart_abandoned"}'),
    ).toEqual({ campaign_name: 'Spring Sale 2022', message_type: 'cart_abandoned' });
  });

  it('accepts printable Unicode, quotes, symbols and emoji in keys and values', () => {
    const tags = {
      'clé ünïcode': 'Soldes d’été — 50 %',
      '"quoted" key': 'a "b" \'c\' & d=e?f#g',
      日本語: '🎉 family 👨‍👩‍👧',
      ' ': '',
    };
    expect(parseTags(JSON.stringify(tags))).toEqual(tags);
  });

  it('counts characters as code points: 128 emoji keys and 256 emoji values fit', () => {
    const tags = { ['😀'.repeat(128)]: '😀'.repeat(256) };
    expect(parseTags(JSON.stringify(tags))).toEqual(tags);
    expect(invalid(JSON.stringify({ ['😀'.repeat(129)]: 'v' }))).toBeInstanceOf(TwilioError);
    expect(invalid(JSON.stringify({ k: '😀'.repeat(257) }))).toBeInstanceOf(TwilioError);
  });

  it('keeps a __proto__ key as an ordinary tag', () => {
    const tags = parseTags('{"__proto__":"x"}');
    expect(Object.keys(tags)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(tags)).toBe(Object.prototype);
  });

  it('refuses control characters, lone surrogates and line separators', () => {
    for (const bad of [
      '\u0000',
      '\u0009',
      '\n',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u009f',
      '\u2028',
      '\u2029',
    ]) {
      expect(invalid(JSON.stringify({ [`k${bad}`]: 'v' })), JSON.stringify(bad)).toMatchObject({
        status: 400,
        code: 20001,
      });
      expect(invalid(JSON.stringify({ k: `v${bad}` })), JSON.stringify(bad)).toMatchObject({
        code: 20001,
      });
    }
    expect(invalid('{"k":"\\ud800"}')).toMatchObject({ code: 20001 });
    expect(invalid('{"\\udc00":"v"}')).toMatchObject({ code: 20001 });
  });

  it('keeps the limits: 10 pairs, keys 1-128, values up to 256, strings only', () => {
    const ten = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k ${i}`, 'v']));
    expect(parseTags(JSON.stringify(ten))).toEqual(ten);
    expect(invalid(JSON.stringify({ ...ten, eleven: 'v' }))).toMatchObject({ code: 20001 });
    expect(invalid('{"":"v"}')).toMatchObject({ code: 20001 });
    expect(invalid('{"k":1}')).toMatchObject({ code: 20001 });
    expect(invalid('{"k":null}')).toMatchObject({ code: 20001 });
    expect(invalid('["k"]')).toMatchObject({ code: 20001 });
    expect(invalid('not json')).toMatchObject({ code: 20001 });
  });
});
