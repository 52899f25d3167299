import { smscCarrierConfig, textSubmission } from '../support/smsc/smpp.config.js';
import { readFileSync } from 'node:fs';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { ManualClock, systemClock } from '../../src/clock.js';
import { createSmppCarrier } from '../../src/delivery/smpp/smpp.carrier.js';
import { TLV_TAG, uintTlv } from '../../src/delivery/smpp/smpp.tlv.js';
import { TLS_CERT, TestSmsc, partNumber } from '../support/smsc/smsc.js';
import { until } from '../support/until.js';
import type { NetworkCarrier, PartReceipt } from '../../src/delivery/network.carrier.js';
import type { SmppCarrierConfig } from '../../src/delivery/smpp/smpp.types.js';

const config = (port: number, over: Partial<SmppCarrierConfig> = {}) =>
  smscCarrierConfig(port, { responseTimeoutMs: 2000, ...over });

const submission = textSubmission;

let smsc: TestSmsc;
let carrier: NetworkCarrier | undefined;
let receipts: PartReceipt[];
let inbound: Array<{ from: string; to: string; body: string }>;
let failEvents: boolean;

async function startCarrier(over: Partial<SmppCarrierConfig> = {}): Promise<NetworkCarrier> {
  const c = createSmppCarrier(config(smsc.port, over), {
    clock: systemClock,
    random: () => 0.5,
    backoff: { baseMs: 20, capMs: 100 },
  });
  c.attach({
    receipt: (r) => {
      if (failEvents) return Promise.reject(new Error('store down'));
      receipts.push(r);
      return Promise.resolve();
    },
    inbound: (m) => {
      if (failEvents) return Promise.reject(new Error('store down'));
      inbound.push(m);
      return Promise.resolve();
    },
  });
  c.start();
  carrier = c;
  await until(() => (c.ready() ? true : undefined));
  return c;
}

beforeEach(async () => {
  smsc = await TestSmsc.start();
  receipts = [];
  inbound = [];
  failEvents = false;
});

afterEach(async () => {
  await carrier?.close(500);
  carrier = undefined;
  await smsc.close();
});

describe('SMPP carrier — submitting', () => {
  it('binds, sends GSM-7 and UCS-2 with the right data_coding, and reports bound binds', async () => {
    const c = await startCarrier();
    expect(c.status().binds).toMatchObject([
      { id: 'transceiver', state: 'bound', window: 10, windowInUse: 0 },
    ]);
    const gsm = await c.send(submission('Hello €'));
    const ucs = await c.send(submission('Привет 😀'));
    expect(gsm).toEqual({ ok: true, parts: ['3e8'] });
    expect(ucs).toEqual({ ok: true, parts: ['3e9'] });
    expect(smsc.submits.map((p) => p.fields.dataCoding)).toEqual([0, 8]);
    expect(smsc.submits[0]?.fields.shortMessage).toEqual(Buffer.from('48656c6c6f201b65', 'hex'));
  });

  it('sends as many parts as num_segments, in each long-message mode', async () => {
    const body = 'x'.repeat(400); // 3 GSM-7 segments
    const udh = await startCarrier();
    expect(await udh.send(submission(body))).toMatchObject({
      ok: true,
      parts: ['3e8', '3e9', '3ea'],
    });
    expect(smsc.submits.map(partNumber)).toEqual([1, 2, 3]);
    await udh.close();
    const sar = await startCarrier({ longMessages: 'sar' });
    const sarResult = await sar.send(submission(body));
    expect(sarResult.ok && sarResult.parts).toHaveLength(3);
    expect(smsc.submits.slice(3).map(partNumber)).toEqual([1, 2, 3]);
    await sar.close();
    const payload = await startCarrier({ longMessages: 'payload' });
    const result = await payload.send(submission(body));
    expect(result.ok && result.parts).toHaveLength(1);
    expect(smsc.submits[6]?.tlvs.find((t) => t.tag === TLV_TAG.message_payload)?.value.length).toBe(
      400,
    );
  });

  it('never has more than `window` submit_sm outstanding on a bind', async () => {
    const c = await startCarrier({ window: 3 });
    smsc.faults.delayMs = 15;
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => c.send(submission(`m${i}`))),
    );
    expect(results.every((r) => r.ok)).toBe(true);
    expect(smsc.maxOutstanding).toBeLessThanOrEqual(3);
    expect(smsc.maxOutstanding).toBeGreaterThan(1);
  });

  it('throttling (ESME_RTHROTTLED) means retry later, not failure', async () => {
    const c = await startCarrier();
    smsc.faults.throttle = 1;
    const first = await c.send(submission('hi'));
    expect(first).toMatchObject({ ok: false, retry: true, reason: 'ESME_RTHROTTLED (0x00000058)' });
    expect(first.ok === false && first.retry && first.retryAt).toBeGreaterThan(0);
    await until(() => (c.status().binds[0]!.state === 'bound' ? true : undefined));
    await until(async () => ((await c.send(submission('hi'))).ok ? true : undefined));
  });

  it('a throttled later part is retried in place: the earlier parts are not sent again', async () => {
    const c = await startCarrier();
    smsc.faults.failPart = { seq: 2, status: 0x58, times: 1 };
    expect(await c.send(submission('y'.repeat(200)))).toMatchObject({ ok: true });
    expect(smsc.submits.map(partNumber)).toEqual([1, 2, 2]);
  });

  it('any other command_status fails with 30008 (or statusMap) naming the status', async () => {
    const c = await startCarrier({ statusMap: { ESME_RINVSRCADR: 21212 } });
    smsc.faults.failAll = 0x0b;
    expect(await c.send(submission('hi'))).toEqual({
      ok: false,
      retry: false,
      errorCode: 30008,
      errorMessage: 'ESME_RINVDSTADR (0x0000000B)',
    });
    smsc.faults.failAll = 0x0a;
    expect(await c.send(submission('hi'))).toMatchObject({
      errorCode: 21212,
      errorMessage: 'ESME_RINVSRCADR (0x0000000A)',
    });
  });

  it('a missing response times out into a retry (the part may have been accepted)', async () => {
    const c = await startCarrier({ responseTimeoutMs: 150 });
    smsc.faults.dropResponses = 1;
    expect(await c.send(submission('hi'))).toMatchObject({
      ok: false,
      retry: true,
      reason: expect.stringContaining('submit_sm_resp'),
    });
    expect(await c.send(submission('hi'))).toMatchObject({ ok: true });
  });

  it('a socket dropped mid-window: in-flight sends retry, the bind reconnects, sending resumes', async () => {
    const c = await startCarrier({ window: 5 });
    smsc.faults.delayMs = 30;
    smsc.faults.dropAfterSubmits = 3;
    const results = await Promise.all(Array.from({ length: 5 }, () => c.send(submission('hi'))));
    expect(results.some((r) => !r.ok && r.retry)).toBe(true);
    await until(() => (smsc.bindCount >= 2 && c.ready() ? true : undefined));
    expect(await c.send(submission('hi'))).toMatchObject({ ok: true });
  });

  it('throughput: submits wait for the token bucket on the injected clock', async () => {
    const clock = new ManualClock();
    const c = createSmppCarrier(config(smsc.port, { throughput: 5 }), { clock });
    carrier = c;
    c.start();
    await until(() => (c.ready() ? true : undefined));
    const sends = Promise.all([
      c.send(submission('a')),
      c.send(submission('b')),
      c.send(submission('c')),
    ]);
    await until(() =>
      smsc.submits.length === 1 && c.status().binds[0]!.windowInUse === 2 ? true : undefined,
    );
    clock.advance(200); // one token at 5/s
    await until(() => (smsc.submits.length === 2 ? true : undefined));
    clock.advance(200);
    expect((await sends).every((r) => r.ok)).toBe(true);
    expect(smsc.submits).toHaveLength(3);
  });

  it('no bind bound: retry at once, without waiting', async () => {
    const c = createSmppCarrier(config(1), {
      clock: systemClock,
      backoff: { baseMs: 1000, capMs: 1000 },
    });
    carrier = c;
    expect(await c.send(submission('hi'))).toMatchObject({
      ok: false,
      retry: true,
      reason: 'no bind is bound',
    });
  });
});

describe('SMPP carrier — sessions', () => {
  it('binds over TLS, verifying the SMSC certificate', async () => {
    await smsc.close();
    smsc = await TestSmsc.start({ tls: true });
    const c = await startCarrier({
      tls: { rejectUnauthorized: true, ca: readFileSync(TLS_CERT, 'utf8') },
    });
    expect(await c.send(submission('over TLS'))).toMatchObject({ ok: true });
  });

  it('an absurd command_length from the SMSC: generic_nack ESME_RINVCMDLEN, close, reconnect', async () => {
    const c = await startCarrier();
    smsc.writeRaw(Buffer.from('7fffffff000000050000000000000009', 'hex'));
    await until(() => (smsc.bindCount >= 2 && c.ready() ? true : undefined));
    expect(smsc.nacks.map((n) => n.status)).toEqual([0x02]);
  });

  it('a bind refused for its credentials shows `refused` with the status, and binds once accepted', async () => {
    smsc.faults.refuseBind = 0x0e;
    const c = createSmppCarrier(config(smsc.port), {
      clock: systemClock,
      random: () => 0,
      backoff: { baseMs: 10, capMs: 60 },
    });
    carrier = c;
    c.start();
    const refused = await until(() => c.status().binds.find((b) => b.state === 'refused'));
    expect(refused.lastError).toBe('ESME_RINVPASWD (0x0000000E)');
    smsc.faults.refuseBind = undefined;
    await until(() => (c.ready() ? true : undefined));
    expect(smsc.bindAttempts).toBeGreaterThanOrEqual(2);
  });

  it('sends enquire_link, and reconnects when one goes unanswered', async () => {
    const c = await startCarrier({ enquireLinkSeconds: 0.05, responseTimeoutMs: 100 });
    await until(() => (smsc.enquireLinks >= 2 ? true : undefined));
    smsc.faults.ignoreEnquireLink = true;
    await until(() =>
      smsc.bindCount >= 1 && c.status().binds[0]!.state !== 'bound' ? true : undefined,
    );
    smsc.faults.ignoreEnquireLink = false;
    await until(() => (smsc.bindCount >= 2 && c.ready() ? true : undefined));
  });

  it('answers the SMSC unbind and binds again; close() unbinds', async () => {
    const c = await startCarrier();
    smsc.unbindAll();
    await until(() => (smsc.bindCount >= 2 && c.ready() ? true : undefined));
    await c.close();
    expect(smsc.unbinds).toBe(1);
    expect(c.status().binds[0]?.state).toBe('closed');
  });

  it('transmitter+receiver with 2 binds opens four sessions and submits on the transmitters only', async () => {
    const c = await startCarrier({ bindMode: 'transmitter+receiver', binds: 2, window: 1 });
    await until(() => (smsc.bound === 4 ? true : undefined));
    expect(c.status().binds.map((b) => b.id)).toEqual([
      'transmitter-1',
      'receiver-1',
      'transmitter-2',
      'receiver-2',
    ]);
    smsc.faults.delayMs = 10;
    const results = await Promise.all(Array.from({ length: 6 }, () => c.send(submission('hi'))));
    expect(results.every((r) => r.ok)).toBe(true);
    expect(smsc.maxOutstanding).toBe(1);
  });
});

describe('SMPP carrier — receipts', () => {
  it.each([
    ['hex', 'hex', 'hex'],
    ['decimal', 'decimal', 'decimal'],
    ['auto (hex resp, hex receipt)', 'hex', 'hex'],
    ['auto (decimal everywhere)', 'decimal', 'decimal'],
  ] as const)(
    'matches receipts to parts with ids in %s',
    async (name, idFormat, receiptIdFormat) => {
      const format = name.startsWith('auto') ? 'auto' : (name as 'hex' | 'decimal');
      const c = await startCarrier({ messageIdFormat: format });
      smsc.behaviour = { idFormat, receiptIdFormat, receiptStat: 'DELIVRD' };
      const result = await c.send(submission('z'.repeat(200)));
      expect(result.ok).toBe(true);
      await until(() => (receipts.length === 2 ? true : undefined));
      expect(receipts.map((r) => r.messageId).sort()).toEqual(
        result.ok ? [...result.parts].sort() : [],
      );
      expect(receipts[0]).toMatchObject({ carrier: 'test', status: 'delivered', stat: 'DELIVRD' });
    },
  );

  it('a receipt that comes before the submit_sm_resp still carries the same id; the TLV id is preferred', async () => {
    const c = await startCarrier({ messageIdFormat: 'hex' });
    smsc.behaviour = {
      idFormat: 'hex',
      receiptIdFormat: 'decimal',
      receiptStat: 'UNDELIV',
      receiptErr: '001',
      receiptTlv: true,
      receiptFirst: true,
    };
    const result = await c.send(submission('hi'));
    await until(() => (receipts.length === 1 ? true : undefined));
    expect(receipts[0]).toMatchObject({
      messageId: result.ok ? result.parts[0] : 'x',
      status: 'undelivered',
      errorCode: 30005,
    });
  });

  it('answers ESME_RX_T_APPN when the receipt cannot be recorded, so the SMSC retries', async () => {
    const c = await startCarrier();
    failEvents = true;
    smsc.behaviour = { idFormat: 'hex', receiptStat: 'DELIVRD' };
    await c.send(submission('hi'));
    await until(() => (smsc.receiptsAcked.length === 1 ? true : undefined));
    expect(smsc.receiptsAcked[0]?.status).toBe(0x64);
  });
});

describe('SMPP carrier — inbound', () => {
  const mo = {
    sourceAddrTon: 1,
    sourceAddrNpi: 1,
    sourceAddr: '447700900123',
    destAddrTon: 1,
    destinationAddr: '15550001111',
  };

  it('decodes a single GSM-7 message and answers ESME_ROK', async () => {
    await startCarrier();
    const resp = await smsc.deliver({
      ...mo,
      dataCoding: 0,
      shortMessage: Buffer.from('STOP 1b65', 'latin1'),
    });
    expect(resp.status).toBe(0);
    expect(inbound).toEqual([
      { carrier: 'test', from: '+447700900123', to: '+15550001111', body: 'STOP 1b65' },
    ]);
  });

  it('reassembles UDH parts (8- and 16-bit references) in any order, UCS-2 and Latin-1', async () => {
    await startCarrier();
    const ucs2 = (s: string): Buffer => Buffer.from(s, 'utf16le').swap16();
    await smsc.deliver({
      ...mo,
      esmClass: 0x40,
      dataCoding: 8,
      shortMessage: Buffer.concat([Buffer.of(6, 8, 4, 0x12, 0x34, 2, 2), ucs2('😀 world')]),
    });
    expect(inbound).toEqual([]);
    await smsc.deliver({
      ...mo,
      esmClass: 0x40,
      dataCoding: 8,
      shortMessage: Buffer.concat([Buffer.of(6, 8, 4, 0x12, 0x34, 2, 1), ucs2('Привет ')]),
    });
    await smsc.deliver({
      ...mo,
      esmClass: 0x40,
      dataCoding: 0,
      shortMessage: Buffer.concat([Buffer.of(5, 0, 3, 9, 2, 1), Buffer.from('ab')]),
    });
    await smsc.deliver({
      ...mo,
      esmClass: 0x40,
      dataCoding: 0,
      shortMessage: Buffer.concat([Buffer.of(5, 0, 3, 9, 2, 2), Buffer.from('cd')]),
    });
    await smsc.deliver({ ...mo, dataCoding: 3, shortMessage: Buffer.from('été', 'latin1') });
    expect(inbound.map((m) => m.body)).toEqual(['Привет 😀 world', 'abcd', 'été']);
  });

  it('reassembles sar parts, and a failed ingest is retried by the SMSC without losing parts', async () => {
    await startCarrier();
    const sar = (seq: number) => [
      uintTlv(TLV_TAG.sar_msg_ref_num, 500, 2),
      uintTlv(TLV_TAG.sar_total_segments, 2, 1),
      uintTlv(TLV_TAG.sar_segment_seqnum, seq, 1),
    ];
    await smsc.deliver({ ...mo, shortMessage: Buffer.from('one ') }, sar(1));
    failEvents = true;
    expect((await smsc.deliver({ ...mo, shortMessage: Buffer.from('two') }, sar(2))).status).toBe(
      0x64,
    );
    failEvents = false;
    expect((await smsc.deliver({ ...mo, shortMessage: Buffer.from('two') }, sar(2))).status).toBe(
      0,
    );
    expect(inbound.map((m) => m.body)).toEqual(['one two']);
  });

  it('takes data_sm receipts too', async () => {
    await startCarrier({ messageIdFormat: 'hex' });
    const resp = await smsc.deliver(
      { esmClass: 4 },
      [{ tag: TLV_TAG.message_payload, value: Buffer.from('id:00FF stat:DELIVRD') }],
      'data_sm',
    );
    expect(resp).toMatchObject({ command: 'data_sm_resp', status: 0 });
    expect(receipts[0]).toMatchObject({ messageId: 'ff', status: 'delivered' });
  });
});
