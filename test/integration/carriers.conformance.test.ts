import { afterAll, beforeAll, describe } from 'vitest';
import { fakeCarriers } from '../support/fake-carrier.js';
import { buyNumber } from '../support/fixtures.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { TestSmsc } from '../support/smsc/smsc.js';
import { until } from '../support/until.js';
import { carrierCases, type CarrierHarness } from './carrier.cases.js';

// The Carrier conformance suite against every carrier Loft has: the simulator, a network
// carrier (a fake: controllable), and the SMPP carrier against the in-process SMSC.
const FROM = '+14155550160';
const smppEntry = (port: number) => ({
  name: 'smsc', type: 'smpp', host: '127.0.0.1', port, systemId: 'loft', password: 'pw', bindMode: 'transceiver',
}); // prettier-ignore

describe('conformance: the simulator', () => {
  let h: CarrierHarness;
  beforeAll(async () => {
    const t = await startTestServer();
    await buyNumber(t, FROM);
    h = {
      t,
      from: FROM,
      submitted: () => undefined,
      received: async (sid) => ((await t.server.store.sim.get(sid)) ? 1 : 0),
      close: () => t.close(),
    };
  });
  afterAll(() => h?.close());
  carrierCases(() => h, {
    ordering: 'the simulator records deliveries of one batch with one timestamp: no order to read',
  });
});

describe('conformance: a network carrier (fake)', () => {
  let h: CarrierHarness;
  beforeAll(async () => {
    const fakes = fakeCarriers();
    const t = await startTestServer({
      carrierFactory: fakes.factory,
      env: { CARRIERS: JSON.stringify([smppEntry(1)]) },
    });
    await buyNumber(t, FROM);
    const fake = fakes.get('smsc');
    // The fake's network delivers at once: each accepted part gets its receipt.
    const send = fake.send.bind(fake);
    fake.send = async (s) => {
      const r = await send(s);
      if (r.ok) {
        setImmediate(() => {
          for (const id of r.parts) void fake.receipt({ messageId: id, status: 'delivered', stat: 'DELIVRD' });
        });
      }
      return r;
    }; // prettier-ignore
    h = {
      t,
      from: FROM,
      submitted: () => fake.sent.map((s) => s.submission.message.sid),
      received: (sid) =>
        Promise.resolve(fake.sent.filter((s) => s.submission.message.sid === sid).length),
      close: () => t.close(),
    };
  });
  afterAll(() => h?.close());
  carrierCases(() => h);
});

describe('conformance: the SMPP carrier against the in-process SMSC', () => {
  let h: CarrierHarness;
  let smsc: TestSmsc;
  let t: TestServer;
  beforeAll(async () => {
    smsc = await TestSmsc.start();
    smsc.behaviour = { idFormat: 'decimal', receiptStat: 'DELIVRD' };
    t = await startTestServer({ env: { CARRIERS: JSON.stringify([smppEntry(smsc.port)]) } });
    await buyNumber(t, FROM);
    await until(() => (smsc.bound > 0 ? true : undefined));
    // A submit_sm names its destination, not the SID: each case sends to its own number.
    h = {
      t,
      from: FROM,
      submitted: () => undefined,
      received: async (sid) => {
        const m = await t.client.messages(sid).fetch();
        return smsc.submits.filter((p) => `+${p.fields.destinationAddr}` === m.to).length;
      },
      close: async () => {
        await t.close();
        await smsc.close();
      },
    };
  });
  afterAll(() => h?.close());
  carrierCases(() => h, {
    ordering: 'submit_sm names no SID; ordering is checked through the fake network carrier',
  });
});
