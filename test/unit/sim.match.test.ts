import { describe, expect, it } from 'vitest';
import { performance } from 'node:perf_hooks';
import { globMatch, MATCH_LIMITS, unsafeRegex } from '../../src/delivery/simulator/sim.match.js';
import { matcher, SimRuleError } from '../../src/delivery/simulator/sim.rules.js';

const refused = (match: string): string => {
  try {
    matcher(match);
  } catch (e) {
    expect(e).toBeInstanceOf(SimRuleError);
    return (e as Error).message;
  }
  throw new Error(`${match} was accepted`);
};

describe('globMatch', () => {
  it.each([
    ['+1555*', '+15551234567', true],
    ['+1555*', '+14155551234', false],
    ['*', '', true],
    ['*4567', '+15551234567', true],
    ['+1*5*7', '+15551234567', true],
    ['+1*9*7', '+15551234567', false],
    ['+1??5', '+1??5', true],
    ['+1.5', '+125', false],
    ['a*b*c', 'abbbc', true],
    ['a*b*c', 'abcb', false],
  ])('%s on %s → %s', (glob, text, expected) => {
    expect(globMatch(glob, text)).toBe(expected);
    expect(matcher(glob)(text)).toBe(expected);
  });

  it('matches the 18-star rule against a 10,000-character number in linear time', () => {
    // The probe's rule: as a regex (.*.*…Z) it took 2.4 s on one short number.
    const rule = matcher('******************Z');
    const input = '+1' + '5'.repeat(10_000);
    const start = performance.now();
    expect(rule(input)).toBe(false);
    expect(rule('+15551234567')).toBe(false);
    expect(rule('+1555Z')).toBe(true);
    expect(performance.now() - start).toBeLessThan(50);
  });
});

describe('regex rules', () => {
  it('accepts ordinary number patterns', () => {
    expect(matcher('/^\\+1555\\d+$/')('+15551234567')).toBe(true);
    expect(matcher('/^\\+44(7\\d{9}|20\\d{8})$/')('+447700900123')).toBe(true);
    expect(matcher('/^\\+1(415|628)[0-9]{7}$/')('+16281234567')).toBe(true);
    expect(matcher('/^[+]1(?:555)?\\d*$/')('+1555')).toBe(true);
    expect(unsafeRegex('[(*)]+x')).toBeNull();
  });

  it.each([
    ['/(a+)+$/', 'nested quantifiers'],
    ['/^(\\d*)*$/', 'nested quantifiers'],
    ['/(a|aa)*$/', 'nested quantifiers'],
    ['/(?:x{1,5})+y/', 'nested quantifiers'],
    ['/(a)\\1/', 'backreference'],
    ['/(?<n>a)\\k<n>/', 'backreference'],
    ['/^(?=a)/', 'lookaround'],
    ['/(?<!a)b/', 'lookaround'],
    ['/.*.*.*.*.*Z/', 'more than 4 quantifiers'],
    ['/' + 'a'.repeat(MATCH_LIMITS.regexLength + 1) + '/', 'longer than'],
    ['/(ab/', 'unbalanced'],
    ['/[ab/', 'unterminated'],
  ])('refuses %s (%s)', (match, why) => {
    expect(refused(match)).toContain(why);
  });

  it('refuses an over-long match and an invalid regex', () => {
    expect(refused('*'.repeat(MATCH_LIMITS.length + 1))).toContain('at most');
    expect(refused('/a{2,1}/')).toContain('invalid regular expression');
  });

  it('never runs a regex on an over-long number', () => {
    const rule = matcher('/^\\+1\\d*$/');
    expect(rule('+1' + '5'.repeat(MATCH_LIMITS.regexInput - 2))).toBe(true);
    expect(rule('+1' + '5'.repeat(MATCH_LIMITS.regexInput))).toBe(false);
  });
});
