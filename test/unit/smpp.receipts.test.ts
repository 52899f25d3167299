import { describe, expect, it } from 'vitest';

import { ManualClock } from '../../src/clock.js';
import { MessageIds } from '../../src/delivery/smpp/smpp.ids.js';
import { MoReassembler } from '../../src/delivery/smpp/smpp.mo.js';
import { TokenBucket } from '../../src/delivery/smpp/smpp.pace.js';
import { parseReceiptText, readReceipt } from '../../src/delivery/smpp/smpp.receipts.js';
import { TLV_TAG, cstringTlv, uintTlv } from '../../src/delivery/smpp/smpp.tlv.js';

const NOW = Date.UTC(2024, 0, 1);
const text = (stat: string, err = '000', id = '1A2B'): string =>
  `id:${id} sub:001 dlvrd:001 submit date:2401011200 done date:2401011201 stat:${stat} err:${err} text:Hello id:x`;

describe('receipt text', () => {
  it('parses the Appendix B fields, tolerant of case and missing fields', () => {
    expect(parseReceiptText(text('DELIVRD'))).toEqual({
      id: '1A2B',
      stat: 'DELIVRD',
      err: '000',
      doneDate: '2401011201',
      text: 'Hello id:x',
    });
    expect(parseReceiptText('ID:77 Stat:undeliv')).toEqual({ id: '77', stat: 'UNDELIV' });
  });

  it('maps stat and err by the default table', () => {
    const read = (t: string, map: Record<string, number> = {}) => readReceipt(t, [], map, NOW);
    expect(read(text('DELIVRD'))).toMatchObject({
      status: 'delivered',
      stat: 'DELIVRD',
      doneAt: Date.UTC(2024, 0, 1, 12, 1),
    });
    expect(read(text('ENROUTE'))).toMatchObject({ status: 'sent' });
    expect(read(text('ACCEPTD'))).toMatchObject({ status: 'sent' });
    expect(read(text('EXPIRED'))).toMatchObject({ status: 'undelivered', errorCode: 30003 });
    expect(read(text('UNDELIV', '001'))).toMatchObject({
      status: 'undelivered',
      errorCode: 30005,
      errorMessage: 'UNDELIV err:001',
    });
    expect(read(text('REJECTD'))).toMatchObject({ status: 'undelivered', errorCode: 30007 });
    expect(read(text('UNKNOWN'))).toMatchObject({ errorCode: 30008 });
    expect(read(text('DELETED'))).toMatchObject({ errorCode: 30008 });
  });

  it('errorMap: err:<n> (by value) beats stat:<STAT>, which beats the default', () => {
    const map = { 'stat:UNDELIV': 30006, 'err:11': 30004 };
    expect(readReceipt(text('UNDELIV', '011'), [], map, NOW)).toMatchObject({ errorCode: 30004 });
    expect(readReceipt(text('UNDELIV', '002'), [], map, NOW)).toMatchObject({ errorCode: 30006 });
    expect(readReceipt(text('EXPIRED', '002'), [], map, NOW)).toMatchObject({ errorCode: 30003 });
  });

  it('prefers receipted_message_id, falls back to message_state for the stat, network_error_code GSM 1 → 30005', () => {
    const tlvs = [
      cstringTlv(TLV_TAG.receipted_message_id, 'FF'),
      uintTlv(TLV_TAG.message_state, 5, 1),
      { tag: TLV_TAG.network_error_code, value: Buffer.of(3, 0, 1) },
    ];
    expect(readReceipt('id:12', tlvs, {}, NOW)).toMatchObject({
      rawId: 'FF',
      stat: 'UNDELIV',
      errorCode: 30005,
      doneAt: NOW,
    });
    expect(readReceipt('stat:DELIVRD', [], {}, NOW)).toBeUndefined();
  });
});

describe('message id canonical form', () => {
  it('hex: lower-case without leading zeros', () => {
    expect(new MessageIds('hex').canonical('000A1B')).toBe('a1b');
    expect(new MessageIds('hex').canonical('1234')).toBe('1234');
  });
  it('decimal: converted to the same hex form', () => {
    expect(new MessageIds('decimal').canonical('2587')).toBe('a1b');
    expect(new MessageIds('decimal').canonical('18446744073709551615')).toBe('ffffffffffffffff');
  });
  it('auto: digits are decimal until the carrier shows a hex letter; non-numeric ids kept', () => {
    const ids = new MessageIds('auto');
    expect(ids.canonical('2587')).toBe('a1b');
    expect(ids.canonical('0A1B')).toBe('a1b');
    expect(ids.canonical('1234')).toBe('1234');
    expect(ids.canonical('B3F1-77XZ')).toBe('b3f1-77xz');
  });
});

describe('TokenBucket on a manual clock', () => {
  it('lets `rate` per second through', () => {
    const clock = new ManualClock(NOW);
    const bucket = new TokenBucket(10, clock);
    expect(bucket.take()).toBe(0);
    expect(bucket.take()).toBe(100);
    clock.advance(100);
    expect(bucket.take()).toBe(0);
    let sent = 0;
    for (let ms = 0; ms < 1000; ms++) {
      clock.advance(1);
      if (bucket.take() === 0) sent++;
    }
    expect(sent).toBe(10);
    expect(new TokenBucket(0, clock).take()).toBe(0);
  });
});

describe('MoReassembler', () => {
  it('joins parts in order, holds incomplete sets, drops them after the hold time', () => {
    const dropped: string[] = [];
    const mo = new MoReassembler((key) => dropped.push(key), 1000);
    const part = (seq: number, text: string, ref = 7) => ({
      from: '+1',
      to: '+2',
      concat: { ref, total: 2, seq },
      text,
    });
    expect(mo.add(part(2, 'world'), NOW)).toBeUndefined();
    const done = mo.add(part(1, 'hello '), NOW);
    expect(done?.body).toBe('hello world');
    done?.commit();
    expect(mo.add(part(1, 'x', 8), NOW)).toBeUndefined();
    expect(mo.add(part(1, 'y', 9), NOW + 2000)).toBeUndefined();
    expect(dropped).toEqual(['+1|+2|8|2']);
  });
});
