import { describe, expect, it } from 'vitest';
import {
  classifyKeyword,
  DEFAULT_REPLIES,
  OPT_OUT_KEYWORDS,
} from '../../src/optout/optout.keywords.js';

describe('classifyKeyword', () => {
  it.each([
    ...['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT'].map(
      (w) => [w, 'STOP'] as const,
    ),
    ...['START', 'YES', 'UNSTOP'].map((w) => [w, 'START'] as const),
    ...['HELP', 'INFO'].map((w) => [w, 'HELP'] as const),
  ])('%s is a %s keyword', (word, type) => {
    expect(classifyKeyword(word)).toBe(type);
  });

  it('ignores case and surrounding whitespace', () => {
    expect(classifyKeyword('stop')).toBe('STOP');
    expect(classifyKeyword('Stop')).toBe('STOP');
    expect(classifyKeyword('  sToPaLl \n')).toBe('STOP');
    expect(classifyKeyword('\tunstop ')).toBe('START');
    expect(classifyKeyword(' Info')).toBe('HELP');
  });

  it('only a message that is exactly one keyword counts', () => {
    for (const body of [
      'STOP PLEASE',
      'please stop',
      'PLEASE CANCEL',
      'STOP ALL',
      'STOP.',
      'stop!',
      'STOPP',
      'S TOP',
      'OPT OUT',
      'NO',
      '',
      '   ',
      'hello',
    ]) {
      expect(classifyKeyword(body), body).toBeNull();
    }
  });

  it('does not fold Unicode look-alikes into keywords', () => {
    expect('ſtop'.toUpperCase()).toBe('STOP'); // what a naive comparison would accept
    expect(classifyKeyword('ſtop')).toBeNull();
    expect(classifyKeyword('ınfo')).toBeNull();
  });

  it("exposes Twilio's lists and default replies", () => {
    expect(OPT_OUT_KEYWORDS.STOP).toHaveLength(8);
    expect(DEFAULT_REPLIES.STOP).toBe(
      'You have successfully been unsubscribed. You will not receive any more messages from this number. Reply START to resubscribe.',
    );
    expect(DEFAULT_REPLIES.START).toContain('re-subscribed');
    expect(DEFAULT_REPLIES.HELP).toContain('Reply STOP to unsubscribe');
  });
});
