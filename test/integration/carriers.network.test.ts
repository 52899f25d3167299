import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { fakeCarriers } from '../support/fake-carrier.js';
import { basic, MAIN_SID, startTestServer, type TestServer } from '../support/server.js';
import { buyNumber } from '../support/fixtures.js';

// Network carriers through the pipeline, with fakes: routing and fail-over, the two
// transactions around `send`, per-part receipts (also ahead of their part), retry, refusal, MO.
const carrier = (name: string) => ({
  name, type: 'smpp', host: '127.0.0.1', port: 2775, systemId: 'loft', password: 'pw', bindMode: 'transceiver',
}); // prettier-ignore
const FROM = '+14155550100';
const clock = new ManualClock(Date.UTC(2026, 0, 1));
const fakes = fakeCarriers();
let t: TestServer;
let receiver: Server;
let callbackUrl = '';
const callbacks: Record<string, string>[] = [];

beforeAll(async () => {
  receiver = createServer((req, res) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => {
      callbacks.push(Object.fromEntries(new URLSearchParams(b)));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
  callbackUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/cb`;
  t = await startTestServer({
    clock,
    carrierFactory: fakes.factory,
    env: {
      CARRIERS: JSON.stringify([carrier('a'), carrier('b')]),
      ROUTES: JSON.stringify([
        { match: '+33*', carriers: ['b', 'a'] },
        { match: '+44*', carriers: ['sim'] },
      ]),
    },
  });
  await buyNumber(t, FROM);
});
afterAll(async () => {
  await t?.close();
  receiver?.close();
});
beforeEach(() => {
  callbacks.length = 0;
  for (const name of ['a', 'b']) {
    const f = fakes.get(name);
    f.up = true;
    f.next.length = 0;
    f.sent.length = 0;
  }
});

const create = (to: string, body = 'hello') =>
  t.client.messages.create({ from: FROM, to, body, statusCallback: callbackUrl });
const statusesOf = (sid: string) =>
  callbacks.filter((c) => c['MessageSid'] === sid).map((c) => c['MessageStatus']);

describe('network carriers', () => {
  it('sends through the default route, records the part, and a receipt delivers it with its callbacks', async () => {
    const m = await create('+14155550199');
    await t.runDue();
    const a = fakes.get('a');
    expect(a.started).toBe(true);
    expect(a.sent.map((s) => s.submission.message.sid)).toEqual([m.sid]);
    let got = await t.client.messages(m.sid).fetch();
    expect(got.status).toBe('sent');
    expect(got.numSegments).toBe('1');
    expect(got.price).not.toBeNull();
    const id = (a.sent[0]!.result as { parts: string[] }).parts[0]!;
    await a.receipt({ messageId: id, status: 'sent', stat: 'ENROUTE' });
    expect((await t.client.messages(m.sid).fetch()).status).toBe('sent');
    await a.receipt({ messageId: id, status: 'delivered', stat: 'DELIVRD' });
    await a.receipt({ messageId: id, status: 'delivered', stat: 'DELIVRD' }); // a duplicate
    await t.runDue();
    got = await t.client.messages(m.sid).fetch();
    expect(got.status).toBe('delivered');
    expect(statusesOf(m.sid)).toEqual(['sending', 'sent', 'delivered']);
  });

  it('a 2-part message is delivered when both parts are; undelivered as soon as one is', async () => {
    const long = 'x'.repeat(200);
    const [m1, m2] = [await create('+14155550198', long), await create('+14155550197', long)];
    await t.runDue();
    const a = fakes.get('a');
    const parts = (sid: string) =>
      (a.sent.find((s) => s.submission.message.sid === sid)!.result as { parts: string[] }).parts;
    expect(parts(m1.sid)).toHaveLength(2);
    await a.receipt({ messageId: parts(m1.sid)[0]!, status: 'delivered', stat: 'DELIVRD' });
    expect((await t.client.messages(m1.sid).fetch()).status).toBe('sent');
    await a.receipt({ messageId: parts(m1.sid)[1]!, status: 'delivered', stat: 'DELIVRD' });
    expect((await t.client.messages(m1.sid).fetch()).status).toBe('delivered');

    await a.receipt({ messageId: parts(m2.sid)[1]!, status: 'undelivered', stat: 'UNDELIV', errorCode: 30003, errorMessage: 'Unreachable destination handset' }); // prettier-ignore
    const m = await t.client.messages(m2.sid).fetch();
    expect([m.status, m.errorCode]).toEqual(['undelivered', 30003]);
    await a.receipt({ messageId: parts(m2.sid)[0]!, status: 'delivered', stat: 'DELIVRD' });
    expect((await t.client.messages(m2.sid).fetch()).status).toBe('undelivered');
  });

  it('a receipt that comes before its part is recorded is kept and applied', async () => {
    const a = fakes.get('a');
    a.next.push({ ok: true, parts: ['early-1'] });
    await a.receipt({ messageId: 'early-1', status: 'delivered', stat: 'DELIVRD' });
    const m = await create('+14155550196');
    await t.runDue();
    expect((await t.client.messages(m.sid).fetch()).status).toBe('delivered');
    expect(statusesOf(m.sid)).toEqual(['sending', 'sent', 'delivered']);
  });

  it('routes by rule, fails over from a carrier without a bind, and "sim" goes to the simulator', async () => {
    const fr = await create('+33612345678');
    await t.runDue();
    fakes.get('b').up = false;
    const fr2 = await create('+33612345679');
    const uk = await create('+447911123456');
    await t.runDue();
    expect(fakes.get('b').sent.map((s) => s.submission.message.sid)).toEqual([fr.sid]);
    expect(fakes.get('a').sent.map((s) => s.submission.message.sid)).toEqual([fr2.sid]);
    expect((await t.client.messages(uk.sid).fetch()).status).toBe('delivered'); // the simulator
  });

  it('refused: failed with the carrier error; retry: back to queued, sent later, one sending callback', async () => {
    const a = fakes.get('a');
    a.next.push({ ok: false, retry: false, errorCode: 30008, errorMessage: 'ESME_RSYSERR (0x00000008)' });
    const refused = await create('+14155550195');
    await t.runDue();
    const r = await t.client.messages(refused.sid).fetch();
    expect([r.status, r.errorCode, r.errorMessage]).toEqual(['failed', 30008, 'ESME_RSYSERR (0x00000008)']);

    a.next.push({ ok: false, retry: true, reason: 'throttled' });
    fakes.get('b').up = false; // no fail-over
    const later = await create('+14155550194');
    await t.runDue();
    expect((await t.client.messages(later.sid).fetch()).status).toBe('queued');
    clock.advance(2000);
    await t.runDue();
    expect((await t.client.messages(later.sid).fetch()).status).toBe('sent');
    expect(a.sent.filter((s) => s.submission.message.sid === later.sid)).toHaveLength(2);
    expect(statusesOf(later.sid)).toEqual(['sending', 'sent']);
  }); // prettier-ignore

  it('a message waiting for a bind past its ValidityPeriod fails with 30036', async () => {
    const a = fakes.get('a');
    a.next.push({ ok: false, retry: true, reason: 'no bind' });
    fakes.get('b').up = false; // no fail-over
    const m = await t.client.messages.create({ from: FROM, to: '+14155550193', body: 'v', validityPeriod: 1 });
    await t.runDue();
    clock.advance(5000);
    await t.runDue();
    const got = await t.client.messages(m.sid).fetch();
    expect([got.status, got.errorCode]).toEqual(['failed', 30036]);
  }); // prettier-ignore

  it('a handset message from a carrier enters through the ingest path', async () => {
    await fakes.get('a').inbound('+14155550192', FROM, 'hi from SMPP');
    const list = await t.client.messages.list({ to: FROM, from: '+14155550192' });
    expect(list.map((m) => [m.direction, m.body])).toEqual([['inbound', 'hi from SMPP']]);
  });

  it('GET /loft/v1/Carriers lists the binds of each carrier and the simulator', async () => {
    fakes.get('b').up = false;
    const res = await t.http('GET', '/loft/v1/Carriers');
    expect(res.status).toBe(200);
    const { carriers } = res.json as { carriers: { name: string; binds?: { state: string }[] }[] };
    expect(carriers.map((c) => [c.name, c.binds?.[0]?.state])).toEqual([
      ['a', 'bound'],
      ['b', 'reconnecting'],
      ['sim', undefined],
    ]);
    // A subaccount is no operator.
    const sub = await t.client.api.v2010.accounts.create({ friendlyName: 'sub' });
    const refused = await t.http(
      'GET',
      '/loft/v1/Carriers',
      undefined,
      basic(sub.sid, sub.authToken),
    );
    expect([refused.status, (refused.json as { code: number }).code]).toEqual([403, 20403]);
    expect(MAIN_SID).toMatch(/^AC/);
  });
});

describe('carrier metrics', () => {
  it('/metrics counts submits by command_status and receipts by stat, and shows binds', async () => {
    const text = await (await fetch(`${t.url}/metrics`)).text();
    expect(text).toMatch(/loft_carrier_submits_total\{carrier="a",command_status="ESME_ROK"\} [1-9]/);
    expect(text).toMatch(/loft_carrier_submits_total\{carrier="a",command_status="ESME_RSYSERR"\} 1/);
    expect(text).toMatch(/loft_carrier_submits_total\{carrier="a",command_status="retry"\} [1-9]/);
    expect(text).toMatch(/loft_carrier_receipts_total\{carrier="a",stat="DELIVRD"\} [1-9]/);
    expect(text).toMatch(/loft_carrier_bind_up\{carrier="a",bind="transceiver",state="bound"\} 1/);
    expect(text).toMatch(/loft_carrier_window_in_use\{carrier="a",bind="transceiver"\} 0/);
  }); // prettier-ignore
});

describe('a crash between sending and recording', () => {
  it('a message found in sending with no parts is sent again on retake (at-least-once)', async () => {
    const a = fakes.get('a');
    fakes.get('b').up = false;
    const m = await create('+14155550191');
    // As if a process committed `sending` and died before recording the outcome.
    await t.server.store.messages.transition(m.sid, { status: 'sending' }, clock.now(), ['queued']);
    await t.runDue();
    expect(a.sent.filter((s) => s.submission.message.sid === m.sid)).toHaveLength(1);
    const got = await t.client.messages(m.sid).fetch();
    expect(got.status).toBe('sent');
    // Its `sending` callback is not repeated.
    expect(statusesOf(m.sid)).toEqual(['sent']);
  });
});
