import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { DEFAULT_PRICES, priceOf, priceTable } from '../../src/delivery/pricing.js';

describe('loadConfig', () => {
  it('defaults', () => {
    const c = loadConfig([], {});
    expect(c).toMatchObject({
      port: 3000,
      host: '127.0.0.1',
      databaseUrl: 'sqlite:./data/loft.db',
      mainAccount: undefined,
      publicBaseUrl: 'http://127.0.0.1:3000',
    });
    expect(Object.isFrozen(c)).toBe(true);
  });
  it('reads the environment; flags win', () => {
    const env = { PORT: '4000', HOST: '0.0.0.0', PUBLIC_BASE_URL: 'https://loft.example.com/' };
    expect(loadConfig([], env)).toMatchObject({
      port: 4000,
      publicBaseUrl: 'https://loft.example.com',
    });
    expect(loadConfig(['--port', '5000'], env).port).toBe(5000);
  });
  it('takes the main account from TWILIO_ACCOUNT_SID + TWILIO_AUTH_TOKEN', () => {
    const sid = 'AC' + '1'.repeat(32);
    const c = loadConfig([], { TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'tok' });
    expect(c.mainAccount).toEqual({ sid, authToken: 'tok' });
  });
  it('reads OUTBOUND_DENY: unset denies nothing (simulator on), empty too; flags win', () => {
    expect(loadConfig([], {}).outboundDeny).toEqual([]);
    expect(loadConfig([], { OUTBOUND_DENY: '' }).outboundDeny).toEqual([]);
    const env = { OUTBOUND_DENY: '10.0.0.0/8, fc00::/7,*.internal' };
    expect(loadConfig([], env).outboundDeny).toEqual(['10.0.0.0/8', 'fc00::/7', '*.internal']);
    expect(loadConfig(['--outbound-deny', ''], env).outboundDeny).toEqual([]);
    expect(() => loadConfig([], { OUTBOUND_DENY: '10.0.0.0/40' })).toThrow(
      /OUTBOUND_DENY: '10.0.0.0\/40' is not a CIDR range/,
    );
  });
  it('reads SQLITE_WAL_LIMIT_MB (64 by default, 0 = unbounded); flags win', () => {
    expect(loadConfig([], {}).sqliteWalLimitMb).toBe(64);
    expect(loadConfig([], { SQLITE_WAL_LIMIT_MB: '0' }).sqliteWalLimitMb).toBe(0);
    const env = { SQLITE_WAL_LIMIT_MB: '16' };
    expect(loadConfig([], env).sqliteWalLimitMb).toBe(16);
    expect(loadConfig(['--sqlite-wal-limit-mb', '8'], env).sqliteWalLimitMb).toBe(8);
    expect(() => loadConfig([], { SQLITE_WAL_LIMIT_MB: '1.5' })).toThrow(/SQLITE_WAL_LIMIT_MB/);
    expect(() => loadConfig([], { SQLITE_WAL_LIMIT_MB: '-1' })).toThrow(/SQLITE_WAL_LIMIT_MB/);
  });
  it('reads the webhook and media limits per origin and per account; flags win', () => {
    const defaults = loadConfig([], {});
    expect(defaults.webhookLimits).toEqual({ perOrigin: 128, perAccount: 512 });
    expect(defaults.mediaLimits).toEqual({ perOrigin: 8, perAccount: 32 });
    const env = { WEBHOOK_ORIGIN_LIMIT: '4', WEBHOOK_ACCOUNT_LIMIT: '16', MEDIA_ORIGIN_LIMIT: '2' };
    expect(loadConfig([], env).webhookLimits).toEqual({ perOrigin: 4, perAccount: 16 });
    expect(loadConfig([], env).mediaLimits).toEqual({ perOrigin: 2, perAccount: 32 });
    expect(loadConfig(['--webhook-origin-limit', '8'], env).webhookLimits.perOrigin).toBe(8);
    expect(loadConfig(['--media-account-limit', '3'], env).mediaLimits.perAccount).toBe(3);
    expect(() => loadConfig([], { WEBHOOK_ORIGIN_LIMIT: '0' })).toThrow(/WEBHOOK_ORIGIN_LIMIT/);
    expect(() => loadConfig([], { MEDIA_ACCOUNT_LIMIT: 'x' })).toThrow(/MEDIA_ACCOUNT_LIMIT/);
  });
  it('reads WEBHOOK_RETRY_SPAN as a duration: 1h by default, 0 or off for no retries', () => {
    expect(loadConfig([], {}).webhookRetrySpanMs).toBe(3_600_000);
    expect(loadConfig([], { WEBHOOK_RETRY_SPAN: '90m' }).webhookRetrySpanMs).toBe(5_400_000);
    expect(loadConfig([], { WEBHOOK_RETRY_SPAN: '7200' }).webhookRetrySpanMs).toBe(7_200_000);
    expect(loadConfig(['--webhook-retry-span', '1d'], {}).webhookRetrySpanMs).toBe(86_400_000);
    expect(loadConfig([], { WEBHOOK_RETRY_SPAN: 'off' }).webhookRetrySpanMs).toBe(0);
    expect(loadConfig([], { WEBHOOK_RETRY_SPAN: '0' }).webhookRetrySpanMs).toBe(0);
    expect(() => loadConfig([], { WEBHOOK_RETRY_SPAN: 'an hour' })).toThrow(/WEBHOOK_RETRY_SPAN/);
  });
  it('fails fast on bad values', () => {
    expect(() => loadConfig(['--port', 'x'], {})).toThrow(ConfigError);
    expect(() => loadConfig([], { PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig([], { TWILIO_ACCOUNT_SID: 'AC1' })).toThrow(/together/);
    expect(() => loadConfig([], { TWILIO_ACCOUNT_SID: 'nope', TWILIO_AUTH_TOKEN: 't' })).toThrow(
      /AC/,
    );
    expect(() => loadConfig([], { DATABASE_URL: 'mysql://x' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig(['--bogus'], {})).toThrow(ConfigError);
    expect(() => loadConfig([], { LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig([], { LOG_FORMAT: 'xml' })).toThrow(
      /LOG_FORMAT must be json or pretty/,
    );
    expect(() => loadConfig([], { LOG_REQUESTS: 'yes please' })).toThrow(/LOG_REQUESTS/);
    expect(() => loadConfig([], { SHUTDOWN_TIMEOUT: 'soon' })).toThrow(/SHUTDOWN_TIMEOUT/);
  });
  it('reads the logging and shutdown settings, flags over environment', () => {
    const none = loadConfig([], {});
    expect(none).toMatchObject({
      logRequests: false,
      logFormat: undefined,
      shutdownTimeoutMs: 10_000,
    });
    const env = loadConfig([], {
      LOG_REQUESTS: 'on',
      LOG_FORMAT: 'json',
      SHUTDOWN_TIMEOUT: '500ms',
    });
    expect(env).toMatchObject({ logRequests: true, logFormat: 'json', shutdownTimeoutMs: 500 });
    const flags = ['--log-requests', 'off', '--log-format', 'pretty', '--shutdown-timeout', '30'];
    expect(loadConfig(flags, { LOG_REQUESTS: 'on', LOG_FORMAT: 'json' })).toMatchObject({
      logRequests: false,
      logFormat: 'pretty',
      shutdownTimeoutMs: 30_000,
    });
  });
  it('validates PRICES: country code or * to {sms?, mms?}, non-negative numbers only', () => {
    const prices = (raw: string) => loadConfig([], { PRICES: raw }).prices;
    expect(() => prices('{"US":{"sms":"cheap"}}')).toThrow(
      /PRICES.US.sms must be a non-negative number/,
    );
    expect(() => prices('{"US":{"sms":-1}}')).toThrow(/PRICES.US.sms/);
    expect(() => prices('{"US":{"sms":"0.01"}}')).toThrow(/PRICES.US.sms/);
    expect(() => prices('{"US":{"SMS":0.01}}')).toThrow(/unknown key 'SMS'/);
    expect(() => prices('{"us":{"sms":0.01}}')).toThrow(/'us' is not a two-letter/);
    expect(() => prices('{"US":0.01}')).toThrow(/PRICES.US must be an object/);
    expect(() => prices('[1]')).toThrow(/PRICES must be a JSON object/);
    expect(() => prices('{')).toThrow(/PRICES must be JSON/);
    expect(() => prices('{"US":{"sms":"cheap"}}')).toThrow(ConfigError);
    expect(prices('{"GB":{"sms":0.04},"*":{"mms":0}}')).toEqual({
      GB: { sms: 0.04 },
      '*': { mms: 0 },
    });
  });
  it('fills the fields a PRICES row leaves out from defaults, never NaN', () => {
    const table = priceTable({ US: { sms: 0.01 }, GB: { sms: 0.04 }, '*': { mms: 0.5 } });
    expect(table['US']).toEqual({ sms: 0.01, mms: DEFAULT_PRICES['US']!.mms });
    expect(table['GB']).toEqual({ sms: 0.04, mms: 0.5 });
    expect(table['CA']).toEqual(DEFAULT_PRICES['CA']);
    expect(priceOf(table, 'GB', 1, 1)).toBe('-0.50000');
    expect(priceOf(table, 'FR', 2, 0)).toBe((-2 * DEFAULT_PRICES['*']!.sms).toFixed(5));
  });
});
