import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

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
  });
});
