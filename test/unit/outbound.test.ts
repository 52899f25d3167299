import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOutbound, OutboundError, type OutboundRequest } from '../../src/http/outbound.js';
import {
  defaultOutboundDeny,
  parseDenyList,
  PRIVATE_RANGES,
} from '../../src/http/outbound.deny.js';
import { PNG } from '../support/media-server.js';
import { startProbeServers, type ProbeServers } from '../support/probe-servers.js';

let probe: ProbeServers;
beforeAll(async () => {
  probe = await startProbeServers();
});
afterAll(() => probe.close());

const get = (url: string, over: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url: new URL(url),
  method: 'GET',
  headers: () => ({}),
  timeoutMs: 2_000,
  maxBytes: 1024 * 1024,
  maxRedirects: 5,
  ...over,
});

/** The OutboundError a request fails with. */
async function failure(p: Promise<unknown>): Promise<OutboundError> {
  const e = await p.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(OutboundError);
  return e as OutboundError;
}

describe('parseDenyList', () => {
  it('reads CIDR ranges (v4, v6), addresses and host names', () => {
    const d = parseDenyList(' 10.0.0.0/8, fc00::/7 ,192.0.2.7, metadata.internal, *.corp.example ');
    expect(d.addressDenied('10.1.2.3')).toBe(true);
    expect(d.addressDenied('11.0.0.1')).toBe(false);
    expect(d.addressDenied('fd12::1')).toBe(true);
    expect(d.addressDenied('[fd12::1]')).toBe(true);
    expect(d.addressDenied('192.0.2.7')).toBe(true);
    expect(d.addressDenied('192.0.2.8')).toBe(false);
    // An IPv4-mapped IPv6 address is the IPv4 address.
    expect(d.addressDenied('::ffff:10.0.0.1')).toBe(true);
    expect(d.hostDenied('metadata.internal')).toBe(true);
    expect(d.hostDenied('METADATA.internal.')).toBe(true);
    expect(d.hostDenied('a.b.corp.example')).toBe(true);
    expect(d.hostDenied('corp.example')).toBe(false);
    expect(d.hostDenied('notcorp.example')).toBe(false);
  });

  it('rejects what it cannot read, naming it', () => {
    for (const bad of ['10.0.0.0/33', '::/129', '10.0.0.0/x', 'http://x', 'a b']) {
      expect(() => parseDenyList(bad)).toThrow(/is not a CIDR range/);
    }
    expect(parseDenyList('').entries).toEqual([]);
  });

  it('defaults to nothing with the simulator, to the private ranges without it', () => {
    expect(defaultOutboundDeny(true)).toBe('');
    const d = parseDenyList(defaultOutboundDeny(false));
    expect(d.entries).toEqual(PRIVATE_RANGES);
    for (const ip of ['127.0.0.1', '::1', '169.254.169.254', 'fe80::1', '10.0.0.1']) {
      expect(d.addressDenied(ip)).toBe(true);
    }
    for (const ip of ['172.16.0.1', '192.168.1.1', 'fd00::1', '0.0.0.0', '::']) {
      expect(d.addressDenied(ip)).toBe(true);
    }
    expect(d.addressDenied('93.184.216.34')).toBe(false);
    expect(d.addressDenied('2606:2800:220:1::1')).toBe(false);
  });
});

describe('createOutbound', () => {
  const open = createOutbound();

  it('cuts an endless body at maxBytes, on time', async () => {
    const started = Date.now();
    const r = await open.request(get(`${probe.base}/endless.png`, { maxBytes: 256 * 1024 }));
    expect(r).toMatchObject({ status: 200, truncated: true, bodyError: null });
    expect(r.body.length).toBe(256 * 1024);
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect.poll(() => probe.endlessClosed()).toBe(true);
  });

  it('times out the whole exchange: no answer, and a body that stalls after the head', async () => {
    for (const path of ['/hang', '/stall.png']) {
      const started = Date.now();
      const p = open.request(get(`${probe.base}${path}`, { timeoutMs: 300 }));
      const r = await p.then(
        (a) => a.bodyError,
        (e: unknown) => e,
      );
      expect(r).toMatchObject({ kind: 'timeout', message: 'timeout after 300 ms' });
      expect(Date.now() - started).toBeLessThan(1_500);
    }
  });

  it('follows redirects up to the limit and stops loops at once', async () => {
    const e = await failure(open.request(get(`${probe.base}/loop`)));
    expect(e.kind).toBe('redirects');
    expect(e.message).toMatch(/redirect loop/);
    const pingPong = await failure(open.request(get(`${probe.base}/ping`, { maxRedirects: 50 })));
    expect(pingPong.kind).toBe('redirects');
  });

  it('refuses a redirect to a scheme other than http(s), and such a URL', async () => {
    const e = await failure(open.request(get(`${probe.base}/to-file`)));
    expect(e).toMatchObject({ kind: 'scheme' });
    expect(e.message).toContain('file:');
    expect((await failure(open.request(get('file:///etc/passwd')))).kind).toBe('scheme');
  });

  it('applies OUTBOUND_DENY on a redirect hop, before connecting', async () => {
    const before = probe.otherHits();
    const ok = await open.request(get(`${probe.base}/to-other`));
    expect(ok.body.equals(PNG)).toBe(true);
    expect(probe.otherHits()).toBe(before + 1);

    const deny = createOutbound({ deny: parseDenyList('127.0.0.2/32') });
    const e = await failure(deny.request(get(`${probe.base}/to-other`)));
    expect(e.kind).toBe('denied');
    expect(e.message).toBe(`${new URL(probe.other).host} refused by OUTBOUND_DENY`);
    expect(probe.otherHits()).toBe(before + 1);
  });

  it('applies OUTBOUND_DENY to the addresses a name resolves to', async () => {
    const port = new URL(probe.base).port;
    const deny = createOutbound({ deny: parseDenyList('127.0.0.0/8,::1/128') });
    const e = await failure(deny.request(get(`http://localhost:${port}/ok`)));
    expect(e).toMatchObject({
      kind: 'denied',
      message: `localhost:${port} refused by OUTBOUND_DENY`,
    });
    // By name, and a literal address in any spelling.
    const byName = createOutbound({ deny: parseDenyList('localhost') });
    expect((await failure(byName.request(get(`http://LOCALHOST:${port}/ok`)))).kind).toBe('denied');
    for (const host of ['127.0.0.1', '2130706433', '[::ffff:127.0.0.1]']) {
      expect((await failure(deny.request(get(`http://${host}:${port}/ok`)))).kind).toBe('denied');
    }
    // Allowed when not denied.
    const r = await createOutbound({ deny: parseDenyList('10.0.0.0/8') }).request(
      get(`http://localhost:${port}/ok`),
    );
    expect(r.body.toString()).toBe('ok');
  });

  it('gives a closed port and an open non-HTTP port the same error', async () => {
    const closed = await failure(open.request(get(`http://127.0.0.1:${probe.closedPort}/`)));
    const other = await failure(open.request(get(`http://127.0.0.1:${probe.nonHttpPort}/`)));
    expect(closed).toMatchObject({ kind: 'connect', message: 'connection failed' });
    expect(other).toMatchObject({ kind: 'connect', message: 'connection failed' });
  });
});
