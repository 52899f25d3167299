import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { signature } from '../../src/webhooks/signature.js';

const TOKEN = '12345678901234567890123456789012';

describe('signature — accepted by the official twilio-node validator', () => {
  it('signs a POST to a URL with a port and a query string', () => {
    const url = 'https://hooks.example.com:8443/sms/status?tenant=a%20b&x=1';
    const params = {
      MessageSid: 'SM' + '0'.repeat(32),
      MessageStatus: 'delivered',
      To: '+15005550006',
    };
    const sig = signature(TOKEN, url, params);
    expect(twilio.validateRequest(TOKEN, sig, url, params)).toBe(true);
  });

  it('dedupes and sorts the values of a repeated parameter', () => {
    const url = 'http://127.0.0.1:3000/in';
    const params = {
      MediaUrl: ['https://b.example/2.png', 'https://a.example/1.png', 'https://b.example/2.png'],
      NumMedia: '3',
    };
    const sig = signature(TOKEN, url, params);
    expect(twilio.validateRequest(TOKEN, sig, url, params)).toBe(true);
    // Same multiset in another order: same signature.
    const reordered = {
      NumMedia: '3',
      MediaUrl: ['https://b.example/2.png', 'https://b.example/2.png', 'https://a.example/1.png'],
    };
    expect(signature(TOKEN, url, reordered)).toBe(sig);
  });

  it('sorts names by UTF-16 code unit and hashes unicode values as UTF-8', () => {
    const url = 'https://example.com/hook?lang=ja';
    const params = { Body: 'Grüße 👋 こんにちは', body: 'lower', Émoji: '🇮🇹', B: 'upper' };
    const sig = signature(TOKEN, url, params);
    expect(twilio.validateRequest(TOKEN, sig, url, params)).toBe(true);
  });

  it('signs a GET webhook over its URL only (params live in the query)', () => {
    const url = 'http://localhost:8080/status?MessageSid=SM1&MessageStatus=sent';
    const sig = signature(TOKEN, url, {});
    expect(twilio.validateRequest(TOKEN, sig, url, {})).toBe(true);
  });

  it('is rejected when a parameter, the URL or the token differs', () => {
    const url = 'https://example.com:444/cb?q=1';
    const params = { MessageSid: 'SM1', MessageStatus: 'sent', Tags: ['x', 'y'] };
    const sig = signature(TOKEN, url, params);
    expect(twilio.validateRequest(TOKEN, sig, url, { ...params, MessageStatus: 'delivered' })).toBe(
      false,
    );
    expect(twilio.validateRequest(TOKEN, sig, url, { ...params, Tags: ['x', 'z'] })).toBe(false);
    expect(twilio.validateRequest(TOKEN, sig, url, { ...params, Extra: '' })).toBe(false);
    expect(twilio.validateRequest(TOKEN, sig, url.replace('q=1', 'q=2'), params)).toBe(false);
    expect(twilio.validateRequest('f'.repeat(32), sig, url, params)).toBe(false);
  });

  it('matches a known HMAC-SHA1 value', () => {
    // base64(HMAC-SHA1("token", "https://a.b/cA1B2")): independent of the SDK.
    expect(signature('token', 'https://a.b/c', { B: '2', A: '1' })).toBe(
      '3Mfhju2FrV9KiSx1LhvGIFt0u5s=',
    );
  });
});
