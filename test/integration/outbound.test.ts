import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_SID, startTestServer, type TestServer, fetchAsMain } from '../support/server.js';
import { startProbeServers, type ProbeServers } from '../support/probe-servers.js';

// Outbound requests are bounded: MediaUrl fetches, status callbacks, inbound webhooks and TwiML
// <Redirect>s end on time with Twilio's codes, never reach OUTBOUND_DENY, and say nothing about
// internal ports. Real servers on 127.0.0.1 and 127.0.0.2 (loopback, Linux).
let probe: ProbeServers;
let t: TestServer;
const FROM = '+14155552345';
const HANDSET = '+14155550100';
const A = `/2010-04-01/Accounts/${MAIN_SID}`;

beforeAll(async () => {
  probe = await startProbeServers();
  t = await startTestServer({ env: { OUTBOUND_DENY: '127.0.0.2/32', WEBHOOK_TIMEOUT_MS: '400' } });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t.close();
  await probe.close();
});

const healthy = async (server: TestServer) =>
  expect((await fetch(`${server.url}/healthz`)).status).toBe(200);

/** Sends an MMS with these MediaUrls and runs delivery; the message as fetched then. */
async function mms(server: TestServer, ...mediaUrl: string[]) {
  const m = await server.client.messages.create({ from: FROM, to: HANDSET, mediaUrl });
  const started = Date.now();
  await server.runDue();
  const elapsed = Date.now() - started;
  return { m: await server.client.messages(m.sid).fetch(), elapsed };
}

/** The webhook attempts of a message, as the API shows them. */
async function attempts(server: TestServer, sid: string) {
  const r = await server.http(
    'GET',
    `/loft/v1/Accounts/${MAIN_SID}/Messages/${sid}/WebhookAttempts`,
  );
  expect(r.status).toBe(200);
  return r.json.attempts as { url: string; error: string | null; response_status: number | null }[];
}

/** Sends an SMS with a status callback to `url` and runs delivery; its attempts. */
async function callbackTo(server: TestServer, url: string) {
  const m = await server.client.messages.create({
    from: FROM,
    to: HANDSET,
    body: 'hi',
    statusCallback: url,
  });
  const started = Date.now();
  await server.runDue();
  return { attempts: await attempts(server, m.sid), elapsed: Date.now() - started };
}

describe('MediaUrl fetches', () => {
  it('cuts a body that never ends at the 5 MB limit (11751), on time', async () => {
    const { m, elapsed } = await mms(t, `${probe.base}/endless.png`);
    expect(m.status).toBe('failed');
    expect(m.errorCode).toBe(11751);
    expect(elapsed).toBeLessThan(5_000);
    await expect.poll(() => probe.endlessClosed()).toBe(true);
    await healthy(t);
  });

  it('stops a redirect loop with 11215', async () => {
    const { m } = await mms(t, `${probe.base}/loop`);
    expect(m.errorCode).toBe(11215);
    expect(m.errorMessage).toContain('redirect loop');
    await healthy(t);
  });

  it('refuses a redirect to file:// (11200), and a file:// MediaUrl at create (21620)', async () => {
    const { m } = await mms(t, `${probe.base}/to-file`);
    expect(m.status).toBe('failed');
    expect(m.errorCode).toBe(11200);
    expect(m.errorMessage).toContain('unsupported URL scheme file:');
    const r = await t.http('POST', `${A}/Messages.json`, {
      From: FROM,
      To: HANDSET,
      MediaUrl: 'file:///etc/passwd',
    });
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(21620);
    await healthy(t);
  });

  it('refuses a denied range reached through a redirect (11200), reading nothing back', async () => {
    const before = probe.otherHits();
    const { m } = await mms(t, `${probe.base}/to-other`);
    expect(m.status).toBe('failed');
    expect(m.errorCode).toBe(11200);
    expect(m.errorMessage).toContain(`${new URL(probe.other).host} refused by OUTBOUND_DENY`);
    expect(probe.otherHits()).toBe(before);
    const [media] = await t.client.messages(m.sid).media.list();
    const content = await t.http('GET', `${A}/Messages/${m.sid}/Media/${media!.sid}`);
    expect(content.status).toBe(404);
    await healthy(t);
  });

  it('reads the same for a closed port and an open non-HTTP port', async () => {
    const closed = await mms(t, `http://127.0.0.1:${probe.closedPort}/x.png`);
    const open = await mms(t, `http://127.0.0.1:${probe.nonHttpPort}/x.png`);
    expect([closed.m.errorCode, open.m.errorCode]).toEqual([11200, 11200]);
    const text = (m: { errorMessage: string }, port: number) =>
      m.errorMessage.replace(String(port), 'PORT');
    expect(text(closed.m, probe.closedPort)).toBe(text(open.m, probe.nonHttpPort));
    expect(closed.m.errorMessage).toMatch(/connection failed$/);
    await healthy(t);
  });
});

describe('status callbacks', () => {
  it('ends an exchange that never answers at WEBHOOK_TIMEOUT_MS (11205)', async () => {
    const { attempts: log, elapsed } = await callbackTo(t, `${probe.base}/hang`);
    expect(log.length).toBeGreaterThan(0);
    expect(log[0]!.error).toBe('11205: HTTP connection failure: timeout after 400 ms');
    expect(elapsed).toBeLessThan(5_000);
    await healthy(t);
  });

  it('refuses a denied range through a redirect, and says nothing about ports', async () => {
    const before = probe.otherHits();
    const denied = await callbackTo(t, `${probe.base}/to-other`);
    expect(denied.attempts[0]!.error).toBe(
      `11205: HTTP connection failure: ${new URL(probe.other).host} refused by OUTBOUND_DENY`,
    );
    expect(probe.otherHits()).toBe(before);
    const closed = await callbackTo(t, `http://127.0.0.1:${probe.closedPort}/cb`);
    const open = await callbackTo(t, `http://127.0.0.1:${probe.nonHttpPort}/cb`);
    for (const log of [closed.attempts, open.attempts]) {
      expect(log[0]).toMatchObject({
        error: '11205: HTTP connection failure',
        response_status: null,
      });
    }
    await healthy(t);
  });
});

describe('inbound webhooks and TwiML', () => {
  /** A number whose SmsUrl is `path` on the probe server; a handset texts it. */
  async function inbound(number: string, smsUrl: string, smsMethod: 'GET' | 'POST' = 'POST') {
    await t.client.incomingPhoneNumbers.create({ phoneNumber: number, smsUrl, smsMethod });
    const r = await fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(HANDSET)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: number, body: 'hello', mediaUrls: [] }),
    });
    expect(r.status).toBe(201);
    const { sid } = (await r.json()) as { sid: string };
    await t.runDue();
    return attempts(t, sid);
  }

  it('does not run TwiML over 64 kB (11750)', async () => {
    const log = await inbound('+14155552346', `${probe.base}/big-twiml`);
    expect(log[0]).toMatchObject({ response_status: 200 });
    expect(log[0]!.error).toMatch(/^11750: TwiML response body too large/);
    await healthy(t);
  });

  it('refuses a <Redirect> and an HTTP redirect (GET) into a denied range', async () => {
    const before = probe.otherHits();
    const host = new URL(probe.other).host;
    const viaTwiml = await inbound('+14155552347', `${probe.base}/redirect-other`);
    expect(viaTwiml.map((a) => a.error)).toEqual([
      null,
      `11205: HTTP connection failure: ${host} refused by OUTBOUND_DENY`,
    ]);
    const viaHttp = await inbound('+14155552348', `${probe.base}/to-other`, 'GET');
    expect(viaHttp[0]!.error).toBe(
      `11205: HTTP connection failure: ${host} refused by OUTBOUND_DENY`,
    );
    expect(probe.otherHits()).toBe(before);
    await healthy(t);
  });
});

describe('a host name that resolves into a denied range', () => {
  let local: TestServer;
  beforeAll(async () => {
    local = await startTestServer({ env: { OUTBOUND_DENY: '127.0.0.0/8,::1/128' } });
    await local.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
  });
  afterAll(() => local.close());

  it('is refused for media (11200) and status callbacks (11205)', async () => {
    const port = new URL(probe.base).port;
    const { m } = await mms(local, `http://localhost:${port}/image.png`);
    expect(m.errorCode).toBe(11200);
    expect(m.errorMessage).toContain(`localhost:${port} refused by OUTBOUND_DENY`);
    const cb = await callbackTo(local, `http://localhost:${port}/ok`);
    expect(cb.attempts[0]!.error).toBe(
      `11205: HTTP connection failure: localhost:${port} refused by OUTBOUND_DENY`,
    );
    await healthy(local);
  });
});
