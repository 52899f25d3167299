import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

const A = {
  name: 'a',
  type: 'smpp',
  host: 'smsc.example',
  port: 2775,
  systemId: 'loft',
  password: 's3cret',
  bindMode: 'transceiver',
};
const load = (carriers: unknown, extra: Record<string, string> = {}) =>
  loadConfig([], { CARRIERS: JSON.stringify(carriers), ...extra });
const fails = (carriers: unknown, extra: Record<string, string> = {}) => {
  try {
    load(carriers, extra);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const message = (e as Error).message;
    expect(message).not.toContain('\n');
    expect(message).not.toContain('s3cret'); // never a password in a message
    return message;
  }
  throw new Error('no ConfigError');
}; // prettier-ignore

describe('CARRIERS', () => {
  it('applies the defaults; --carriers wins over CARRIERS', () => {
    expect(load([A]).carriers).toEqual([
      {
        ...A,
        systemType: '',
        binds: 1,
        window: 10,
        throughput: 0,
        enquireLinkSeconds: 30,
        responseTimeoutMs: 10_000,
        sourceTon: 1,
        sourceNpi: 1,
        messageIdFormat: 'auto',
        longMessages: 'udh',
        errorMap: {},
        statusMap: {},
      },
    ]);
    const flag = JSON.stringify([{ ...A, name: 'b' }]);
    expect(loadConfig(['--carriers', flag], { CARRIERS: JSON.stringify([A]) }).carriers[0]?.name).toBe('b');
    expect(loadConfig([], {}).carriers).toEqual([]);
  }); // prettier-ignore
  it('reads @path/to/file.json', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'loft-carriers-')), 'carriers.json');
    writeFileSync(file, JSON.stringify([{ ...A, tls: true, window: 50 }]));
    const c = loadConfig([], { CARRIERS: `@${file}` }).carriers[0];
    expect(c).toMatchObject({ tls: { rejectUnauthorized: true }, window: 50 });
    expect(() => loadConfig([], { CARRIERS: '@/nonexistent/c.json' })).toThrow(
      /^CARRIERS: cannot read \/nonexistent\/c\.json/,
    );
  });
  it('names every problem in one line', () => {
    expect(() => loadConfig([], { CARRIERS: '[{' })).toThrow('CARRIERS must be JSON or @path/to/file.json');
    expect(fails({})).toBe('CARRIERS must be a JSON array of carriers');
    expect(fails([1])).toBe('CARRIERS[0] must be an object');
    expect(fails([{ ...A, name: 'no spaces' }])).toMatch(/^CARRIERS\[0\]\.name must be 1-64 letters/);
    expect(fails([A, A])).toBe("CARRIERS: duplicate carrier name 'a'");
    expect(fails([{ ...A, name: 'sim' }])).toBe("CARRIERS 'sim': the name 'sim' is the simulator's");
    expect(fails([{ ...A, colour: 'red' }])).toBe("CARRIERS 'a': unknown field 'colour'");
    expect(fails([{ ...A, type: 'http' }])).toBe(`CARRIERS 'a'.type must be "smpp", got "http"`);
    expect(fails([{ ...A, password: undefined }])).toBe("CARRIERS 'a'.password is required (a string)");
    expect(fails([{ ...A, password: 's3cret-too-long' }])).toBe("CARRIERS 'a'.password is longer than 8 characters");
    expect(fails([{ ...A, host: '' }])).toBe(`CARRIERS 'a'.host must be a string of 1-253 characters, got ""`);
    expect(fails([{ ...A, port: 70000 }])).toBe("CARRIERS 'a'.port must be an integer from 1 to 65535, got 70000");
    expect(fails([{ ...A, port: '2775' }])).toBe(`CARRIERS 'a'.port must be an integer from 1 to 65535, got "2775"`);
    expect(fails([{ ...A, systemId: 'x'.repeat(16) }])).toMatch(/^CARRIERS 'a'\.systemId must be a string of 1-15/);
    expect(fails([{ ...A, bindMode: 'receiver' }])).toBe(
      `CARRIERS 'a'.bindMode must be one of transceiver, transmitter+receiver, got "receiver"`,
    );
    expect(fails([{ ...A, window: 0 }])).toBe("CARRIERS 'a'.window must be an integer from 1 to 1000, got 0");
    expect(fails([{ ...A, messageIdFormat: 'octal' }])).toMatch(/messageIdFormat must be one of hex, decimal, auto/);
    expect(fails([{ ...A, longMessages: 'split' }])).toMatch(/longMessages must be one of udh, sar, payload/);
    expect(fails([{ ...A, tls: 'yes' }])).toBe("CARRIERS 'a'.tls must be true or an object");
    expect(fails([{ ...A, tls: { verify: false } }])).toBe("CARRIERS 'a'.tls: unknown field 'verify'");
    expect(fails([{ ...A, errorMap: { 'stat:UNDELIV': 'x' } }])).toBe(
      `CARRIERS 'a'.errorMap.stat:UNDELIV must be a Twilio error code (5 digits), got "x"`,
    );
    expect(fails([{ ...A, errorMap: { UNDELIV: 30005 } }])).toBe(
      `CARRIERS 'a'.errorMap: key 'UNDELIV' must be "stat:UNDELIV" or "err:001"`,
    );
    expect(fails([{ ...A, statusMap: { '0x0B': 21211 } }])).toBe(
      `CARRIERS 'a'.statusMap: key '0x0B' must be an ESME status name like "ESME_RINVDSTADR"`,
    );
    expect(load([{ ...A, errorMap: { 'err:001': 30005 }, statusMap: { ESME_RINVDSTADR: 21211 } }]).carriers[0]).toMatchObject({
      errorMap: { 'err:001': 30005 },
      statusMap: { ESME_RINVDSTADR: 21211 },
    });
    expect(fails([{ ...A, statusMap: [] }])).toBe("CARRIERS 'a'.statusMap must be an object of error codes");
  }); // prettier-ignore
});

describe('ROUTES', () => {
  const B = { ...A, name: 'b' };
  it('keeps the rules in order with their conditions', () => {
    const routes = [
      { match: '+33*', from: '+1555*', carriers: ['a', 'b'] },
      { messagingServiceSid: 'MG' + 'a'.repeat(32), carriers: ['sim'] },
      { carriers: ['b'] },
    ];
    expect(load([A, B], { ROUTES: JSON.stringify(routes) }).routes).toEqual(routes);
  });
  it('names every problem in one line', () => {
    const routes = (r: unknown) => fails([A], { ROUTES: JSON.stringify(r) });
    expect(routes({})).toBe('ROUTES must be a JSON array of rules');
    expect(routes(['a'])).toBe('ROUTES[0] must be an object like {"match":"+33*","carriers":["a"]}');
    expect(routes([{ carriers: ['a'], to: '+1*' }])).toBe("ROUTES[0]: unknown field 'to'");
    expect(routes([{ match: '+33[0-9]', carriers: ['a'] }])).toMatch(/^ROUTES\[0\]\.match must be a glob/);
    expect(routes([{ match: '', carriers: ['a'] }])).toMatch(/^ROUTES\[0\]\.match must be a glob/);
    expect(routes([{ from: 42, carriers: ['a'] }])).toMatch(/^ROUTES\[0\]\.from must be a glob/);
    expect(routes([{ messagingServiceSid: 'MG1', carriers: ['a'] }])).toBe(
      'ROUTES[0].messagingServiceSid must be MG followed by 32 hex digits',
    );
    expect(routes([{ match: '*' }])).toBe('ROUTES[0].carriers must be a non-empty array of carrier names');
    expect(routes([{ carriers: [] }])).toBe('ROUTES[0].carriers must be a non-empty array of carrier names');
    expect(routes([{ carriers: [1] }])).toBe('ROUTES[0].carriers must hold names');
    expect(routes([{ carriers: ['a', 'a'] }])).toBe("ROUTES[0]: carrier 'a' is named twice");
    expect(routes([{ carriers: ['z'] }])).toBe("ROUTES[0]: unknown carrier 'z' (not in CARRIERS)");
  }); // prettier-ignore
  it("refuses 'sim' while SIM=off", () => {
    expect(fails([A], { SIM: 'off', ROUTES: '[{"carriers":["sim"]}]' })).toBe(
      "ROUTES[0] names 'sim' but SIM=off",
    );
    expect(load([A], { ROUTES: '[{"carriers":["sim"]}]' }).routes).toEqual([{ carriers: ['sim'] }]);
  });
});
