import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestSmsc } from '../support/smsc/smsc.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';

// End to end through the official SDK and the SMPP carrier against the in-process SMSC:
// create → submit_sm → receipt → delivered with its callbacks (GSM-7, UCS-2, 3 parts), a
// refused submit → failed 30008, and MO → webhook → TwiML reply back out through SMPP.
const NUMBER = '+14155550111';
let smsc: TestSmsc;
let t: TestServer;
let app: Server;
let appUrl = '';
const callbacks: Record<string, string>[] = [];
const inbound: Record<string, string>[] = [];

beforeAll(async () => {
  smsc = await TestSmsc.start();
  smsc.behaviour = { idFormat: 'hex', receiptStat: 'DELIVRD', receiptTlv: true };
  app = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(b));
      if (req.url === '/sms') {
        inbound.push(params);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end('<Response><Message>pong</Message></Response>');
        return;
      }
      callbacks.push(params);
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => app.listen(0, '127.0.0.1', ok));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const carriers = [
    { name: 'smsc', type: 'smpp', host: '127.0.0.1', port: smsc.port, systemId: 'loft', password: 'secret', bindMode: 'transceiver' },
  ]; // prettier-ignore
  t = await startTestServer({ delivery: 'auto', env: { CARRIERS: JSON.stringify(carriers) } });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: NUMBER, smsUrl: `${appUrl}/sms` });
  await until(() => (smsc.bound > 0 ? true : undefined));
});
afterAll(async () => {
  await t?.close();
  await smsc?.close();
  app?.close();
});

const statusesOf = (sid: string) =>
  callbacks.filter((c) => c['MessageSid'] === sid).map((c) => c['MessageStatus']);
const delivered = (sid: string) =>
  until(() => (statusesOf(sid).includes('delivered') ? true : undefined));

describe('SMPP carrier end to end', () => {
  it.each([
    ['GSM-7', 'Hello from Loft', 1],
    ['UCS-2', 'Grüße ✓ from Loft', 1],
    ['3 parts', 'x'.repeat(400), 3],
  ])('%s: submitted, receipted, delivered with its callbacks', async (_, body, segments) => {
    const before = smsc.submits.length;
    const m = await t.client.messages.create({
      from: NUMBER,
      to: '+33612345678',
      body,
      statusCallback: `${appUrl}/cb`,
    });
    await delivered(m.sid);
    expect(smsc.submits.length - before).toBe(segments);
    const got = await t.client.messages(m.sid).fetch();
    expect([got.status, got.numSegments]).toEqual(['delivered', String(segments)]);
    // As with the simulator: each status once, in order, delivered last.
    expect(statusesOf(m.sid)).toEqual(['sending', 'sent', 'delivered']);
  }); // prettier-ignore

  it('a refused submit fails the message with 30008 naming the ESME status', async () => {
    smsc.faults.failAll = 0x0b;
    try {
      const m = await t.client.messages.create({ from: NUMBER, to: '+33612345679', body: 'no' });
      const got = await until(async () => {
        const r = await t.client.messages(m.sid).fetch();
        return r.status === 'failed' ? r : undefined;
      });
      expect(got.errorCode).toBe(30008);
      expect(got.errorMessage).toMatch(/ESME_RINVDSTADR/);
    } finally {
      smsc.faults.failAll = undefined;
    }
  });

  it('MO from the SMSC reaches the webhook; the TwiML reply goes back out through SMPP', async () => {
    const before = smsc.submits.length;
    const resp = await smsc.deliver({
      sourceAddrTon: 1,
      sourceAddrNpi: 1,
      sourceAddr: '447911123456',
      destAddrTon: 1,
      destinationAddr: NUMBER.slice(1),
      dataCoding: 0,
      shortMessage: Buffer.from('ping', 'latin1'),
    });
    expect(resp.status).toBe(0);
    const hook = await until(() => inbound.find((p) => p['Body'] === 'ping'));
    expect([hook['From'], hook['To']]).toEqual(['+447911123456', NUMBER]);
    const text = (p: (typeof smsc.submits)[number]) =>
      Buffer.from(p.fields.shortMessage ?? []).toString('latin1');
    const reply = await until(() => smsc.submits.slice(before).find((p) => text(p) === 'pong'));
    expect(reply).toBeDefined();
  });

  it('GET /loft/v1/Carriers shows the bind bound', async () => {
    const res = await t.http('GET', '/loft/v1/Carriers');
    const { carriers } = res.json as { carriers: { name: string; binds?: { state: string }[] }[] };
    expect(carriers[0]).toMatchObject({ name: 'smsc', type: 'smpp' });
    expect(carriers[0]?.binds?.[0]?.state).toBe('bound');
    expect(JSON.stringify(res.json)).not.toContain('secret');
  });
});
