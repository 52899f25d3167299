import { describe, expect, it } from 'vitest';
import {
  dlrDoneDate,
  statusCallbackParams,
  type StatusCallbackMessage,
} from '../../src/webhooks/status-callback.js';

const SID = 'SM' + 'ab'.repeat(16);
const AC = 'AC' + 'cd'.repeat(16);
const MG = 'MG' + 'ef'.repeat(16);

const msg = (over: Partial<StatusCallbackMessage>): StatusCallbackMessage => ({
  sid: SID,
  accountSid: AC,
  status: 'sent',
  from: '+15005550006',
  to: '+14155550100',
  messagingServiceSid: null,
  errorCode: null,
  dateUpdated: Date.UTC(2024, 0, 2, 3, 4, 59),
  ...over,
});

const core = (status: string) => ({
  MessageSid: SID,
  SmsSid: SID,
  MessageStatus: status,
  SmsStatus: status,
  AccountSid: AC,
  From: '+15005550006',
  To: '+14155550100',
  ApiVersion: '2010-04-01',
});

describe('statusCallbackParams', () => {
  it('sends exactly the core parameters for an intermediate status', () => {
    expect(statusCallbackParams(msg({ status: 'sent' }))).toEqual(core('sent'));
    expect(statusCallbackParams(msg({ status: 'queued' }))).toEqual(core('queued'));
  });

  it('adds MessagingServiceSid when the message has one', () => {
    expect(statusCallbackParams(msg({ messagingServiceSid: MG }))).toEqual({
      ...core('sent'),
      MessagingServiceSid: MG,
    });
  });

  it('adds RawDlrDoneDate (YYMMDDhhmm, UTC) on delivered', () => {
    expect(statusCallbackParams(msg({ status: 'delivered' }))).toEqual({
      ...core('delivered'),
      RawDlrDoneDate: '2401020304',
    });
  });

  it('adds ErrorCode and RawDlrDoneDate on undelivered; the carrier date wins when given', () => {
    const p = statusCallbackParams(msg({ status: 'undelivered', errorCode: 30003 }), {
      rawDlrDoneDate: '2312312359',
    });
    expect(p).toEqual({ ...core('undelivered'), ErrorCode: '30003', RawDlrDoneDate: '2312312359' });
  });

  it('adds ErrorCode but no RawDlrDoneDate on failed', () => {
    expect(statusCallbackParams(msg({ status: 'failed', errorCode: 30008 }))).toEqual({
      ...core('failed'),
      ErrorCode: '30008',
    });
  });

  it('never sends ErrorCode outside failed/undelivered, nor an empty one', () => {
    expect(statusCallbackParams(msg({ status: 'sent', errorCode: 30003 }))).toEqual(core('sent'));
    expect(statusCallbackParams(msg({ status: 'failed' }))).toEqual(core('failed'));
  });

  it('leaves RawDlrDoneDate out for non-SMS channels and From out when unknown', () => {
    const p = statusCallbackParams(
      msg({ status: 'delivered', to: 'whatsapp:+14155550100', from: null }),
    );
    expect(p).not.toHaveProperty('RawDlrDoneDate');
    expect(p).not.toHaveProperty('From');
    expect(p.To).toBe('whatsapp:+14155550100');
  });
});

describe('dlrDoneDate', () => {
  it('formats in UTC with two-digit fields', () => {
    expect(dlrDoneDate(Date.UTC(2009, 8, 5, 7, 6, 0))).toBe('0909050706');
    expect(dlrDoneDate(Date.UTC(2031, 11, 31, 23, 59, 59, 999))).toBe('3112312359');
  });
});
