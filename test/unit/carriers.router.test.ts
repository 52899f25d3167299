import { describe, expect, it } from 'vitest';
import type { Carrier } from '../../src/delivery/carrier.js';
import { choose, createRouter, globRegExp } from '../../src/delivery/carriers/router.js';
import type { Message } from '../../src/store/records.js';
import { FakeCarrier } from '../support/fake-carrier.js';
import { messageRecord } from '../support/records.js';

const sim: Carrier = { name: 'simulator', submit: () => Promise.resolve({ ok: true, ref: 'x' }) };
const msg = (over: Partial<Message>): Message => ({
  ...messageRecord('AC' + '1'.repeat(32)),
  ...over,
});

describe('globRegExp', () => {
  it('* is any run, ? one character, the rest literal', () => {
    expect(globRegExp('+33*').test('+33612345678')).toBe(true);
    expect(globRegExp('+33*').test('+4433')).toBe(false);
    expect(globRegExp('+1555?').test('+15551')).toBe(true);
    expect(globRegExp('+1555?').test('+155512')).toBe(false);
    expect(globRegExp('a.b').test('axb')).toBe(false);
  });
});

describe('createRouter', () => {
  const a = new FakeCarrier('a');
  const b = new FakeCarrier('b');
  const MG = 'MG' + 'f'.repeat(32);
  const router = createRouter({
    rules: [
      { match: '+33*', from: '+1555*', carriers: ['b'] },
      { match: '+33*', carriers: ['a', 'b'] },
      { messagingServiceSid: MG, carriers: ['sim'] },
    ],
    carriers: [a, b],
    local: sim,
  });
  it('first match wins; every condition of a rule must hold', () => {
    expect(router.candidates(msg({ to: '+33612345678', from: '+15550001' }))).toEqual([b]);
    expect(router.candidates(msg({ to: '+33612345678', from: '+14150001' }))).toEqual([a, b]);
    expect(router.candidates(msg({ to: '+4479', messagingServiceSid: MG }))).toEqual([sim]);
  });
  it('unmatched: every carrier in CARRIERS order; none configured: the simulator', () => {
    expect(router.candidates(msg({ to: '+4479' }))).toEqual([a, b]);
    const plain = createRouter({ rules: [], carriers: [], local: sim });
    expect(plain.candidates(msg({ to: '+4479' }))).toEqual([sim]);
  });
  it('choose skips carriers without a ready bind, and keeps the rest as fail-over', () => {
    a.up = false;
    expect(choose([a, b])).toEqual({ network: [b] });
    expect(choose([a, sim, b])).toEqual({ local: sim });
    b.up = false;
    expect(choose([a, b])).toEqual({ network: [a, b] });
    a.up = b.up = true;
    expect(choose([a, b])).toEqual({ network: [a, b] });
  });
});
