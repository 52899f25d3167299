import { createServer, type IncomingMessage, type Server } from 'node:http';
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Carrier } from '../../src/delivery/carrier.js';
import { createPipeline } from '../../src/delivery/pipeline.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import { statusCallbacks } from '../../src/delivery/status-callbacks.js';
import type { JobHandler } from '../../src/jobs/job.js';
import { JobRunner } from '../../src/jobs/runner.js';
import type { Message } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { MAIN_SID, MAIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { openTestStore } from '../support/stores.js';
import { enqueueWebhooks, type WebhookRequest } from '../../src/webhooks/webhooks.enqueue.js';
import { webhookHandler } from '../../src/webhooks/webhooks.handler.js';
import { messageRecord } from '../support/records.js';
import { until } from '../support/until.js';

// The batch paths of the delivery pipeline: dispatch, delivery reports and status callbacks run
// hundreds of jobs per transaction; each message keeps its own lifecycle and callback order.
const FROM = '+14155552345';
const UNDELIVERED = '+14155559001';
const FAILED = '+14155559002';

/** Leases every due webhook (up to 100) to owner `o` for a minute. */
const claimWebhooks = (store: Store, now: number) =>
  store.webhooks.claim({ owner: 'o', now, limit: 100, leaseMs: 60_000 });

/** Webhooks in the queue with a due time (pending chain heads), whenever due. */
const queued = async (store: Store) =>
  (await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs;

const readBody = (req: IncomingMessage) =>
  new Promise<string>((ok) => {
    let b = '';
    req.on('data', (c: Buffer) => (b += c.toString()));
    req.on('end', () => ok(b));
  });

describe('batched delivery through a server', () => {
  let t: TestServer;
  let receiver: Server;
  let receiverUrl = '';
  const received: { params: Record<string, string>; valid: boolean }[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      void readBody(req).then((body) => {
        const params = Object.fromEntries(new URLSearchParams(body));
        const valid = twilio.validateRequest(
          MAIN_TOKEN,
          String(req.headers['x-twilio-signature']),
          `${receiverUrl}${req.url ?? ''}`,
          params,
        );
        received.push({ params, valid });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((ok) => receiver.listen(0, '127.0.0.1', ok));
    const addr = receiver.address();
    receiverUrl = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
    t = await startTestServer({
      env: {
        SIM_RULES: JSON.stringify([
          { match: UNDELIVERED, outcome: 'undelivered:30003' },
          { match: FAILED, outcome: 'failed:30008' },
        ]),
      },
    });
    await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((ok) => receiver.close(ok));
  });

  it('delivers hundreds of messages at once, each with its callbacks signed and in order', async () => {
    const cb = `${receiverUrl}/status`;
    const to = (i: number) =>
      i === 7 ? UNDELIVERED : i === 11 ? FAILED : `+1415555${String(1000 + i)}`;
    const sids: string[] = [];
    for (let i = 0; i < 300; i++) {
      const form = { From: FROM, To: to(i), Body: `batch ${i}`, StatusCallback: cb };
      const r = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, form);
      expect(r.status).toBe(201);
      sids.push((r.json as { sid: string }).sid);
    }
    await t.runDue();

    const expected = (i: number) =>
      i === 7
        ? ['sending', 'sent', 'undelivered']
        : i === 11
          ? ['sending', 'failed']
          : ['sending', 'sent', 'delivered'];
    expect(received.every((r) => r.valid)).toBe(true);
    expect(received).toHaveLength(3 * 300 - 1);
    for (const [i, sid] of sids.entries()) {
      const calls = received.filter((r) => r.params['MessageSid'] === sid);
      expect(calls.map((c) => c.params['MessageStatus'])).toEqual(expected(i));
      const m = await t.server.store.messages.findBySid(sid);
      expect(m?.status).toBe(expected(i).at(-1));
      expect((await t.server.store.messages.history(sid)).map((e) => e.status)).toEqual([
        'queued',
        ...expected(i),
      ]);
      // Exactly once on the simulated network (never for a message the carrier refused).
      expect((await t.server.store.sim.get(sid)) !== undefined).toBe(i !== 11);
    }
    const undelivered = received.find(
      (r) => r.params['MessageSid'] === sids[7] && r.params['MessageStatus'] === 'undelivered',
    );
    expect(undelivered?.params['ErrorCode']).toBe('30003');
    expect(undelivered?.params['RawDlrDoneDate']).toMatch(/^\d{10}$/);
    const sent = await t.server.store.messages.findBySid(sids[0]!);
    expect(sent).toMatchObject({ price: '-0.00830', priceUnit: 'USD', numSegments: 1 });
    expect(sent?.carrierRef).toBe(`SIM${sids[0]!.slice(2)}`);
    // The /loft events API sees the batched history.
    const events = await t.http('GET', `/loft/v1/Accounts/${MAIN_SID}/Messages/${sids[1]}/Events`);
    expect(events.status).toBe(200);
    expect(JSON.stringify(events.json)).toContain('delivered');
    expect(await t.server.store.outbox.count(['dispatch', 'sim-dlr'])).toBe(0);
    expect(await queued(t.server.store)).toBe(0);
  });
});

describe('a failing job in a batch', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(() => store.close());

  const message = (sid: string, to: string, now: number): Message =>
    messageRecord('AC' + 'f0'.repeat(16), {
      sid,
      from: FROM,
      to,
      body: 'hi',
      dateCreated: now,
      dateUpdated: now,
    });

  it('does not sink its neighbours: they are delivered, it alone is retried later', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const poison = '+14155550666';
    const sim = simulatorCarrier(new SimNetwork({ deliveryDelayMs: 0, seed: 's' }));
    const boom = () => new Error('carrier exploded');
    const carrier: Carrier = {
      name: 'flaky',
      submit: (tx, s, now) => {
        if (s.message.to === poison) throw boom();
        return sim.submit(tx, s, now);
      },
      submitMany: (tx, list, now) => {
        if (list.some((s) => s.message.to === poison)) throw boom();
        return sim.submitMany(tx, list, now);
      },
    };
    const errors: unknown[] = [];
    const pipeline = createPipeline({
      store,
      clock,
      carrier,
      prices: DEFAULT_PRICES,
      callbacks: statusCallbacks,
      owner: 'test',
      onError: (e) => errors.push(e),
    });
    const now = clock.now();
    const sids = Array.from(
      { length: 40 },
      (_, i) => `SM${String(i).padStart(2, '0')}${'ab'.repeat(15)}`,
    );
    await store.messages.insertMany(
      sids.map((sid, i) => ({
        message: message(sid, i === 13 ? poison : `+1415555${1000 + i}`, now),
        outbox: { kind: 'dispatch' as const, runAt: now },
      })),
    );
    await pipeline.runDue();
    for (const [i, sid] of sids.entries()) {
      expect((await store.messages.findBySid(sid))?.status).toBe(i === 13 ? 'queued' : 'delivered');
    }
    // The batch failed once, then the poisoned job on its own; it waits for its back-off.
    expect(
      errors.filter((e) => e instanceof Error && e.message === 'carrier exploded'),
    ).toHaveLength(2);
    const [left] = await store.outbox.claim({
      kinds: ['dispatch'],
      owner: 'peek',
      now: now + 60_000,
      limit: 10,
      leaseMs: 1,
    });
    expect(left).toMatchObject({ ref: sids[13], attempts: 1 });
    expect(await store.outbox.count(['dispatch', 'sim-dlr'])).toBe(1);
  });
});

describe('JobRunner batches', () => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore();
  });
  afterAll(() => store.close());

  it('claims up to batchSize jobs at once; settles in-transaction, returned and per-job outcomes', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const kind = 'batch-test';
    const sizes: number[] = [];
    const perJob: string[] = [];
    const handler: JobHandler = Object.assign(
      (job: { ref: string }) => {
        perJob.push(job.ref);
        return Promise.resolve({ done: true as const });
      },
      {
        batch: async (jobs: { id: number; ref: string }[], ctx: { owner: string }) => {
          sizes.push(jobs.length);
          const outcomes = new Map<number, { retryAt: number } | { perJob: true }>();
          const mine: number[] = [];
          for (const j of jobs) {
            const n = Number(j.ref);
            if (n % 10 === 1) outcomes.set(j.id, { retryAt: clock.now() + 60_000 });
            else if (n % 10 === 2) outcomes.set(j.id, { perJob: true });
            else mine.push(j.id);
          }
          await store.transaction((tx) => tx.outbox.completeMany(mine, ctx.owner));
          return outcomes;
        },
      },
    );
    const runner = new JobRunner({
      store,
      clock,
      handlers: { [kind]: handler },
      owner: 'runner',
      batchSize: 256,
    });
    await store.outbox.enqueue(
      Array.from({ length: 600 }, (_, i) => ({ kind, ref: String(i), runAt: clock.now() })),
    );
    expect(await runner.runDue()).toBe(600);
    expect(sizes).toEqual([256, 256, 88]);
    expect(perJob).toHaveLength(60);
    expect(perJob.every((r) => Number(r) % 10 === 2)).toBe(true);
    // Only the rescheduled jobs are left, with one more attempt each.
    expect(await store.outbox.count([kind])).toBe(60);
    clock.advance(60_000);
    const again = await store.outbox.claim({
      kinds: [kind],
      owner: 'peek',
      now: clock.now(),
      limit: 100,
      leaseMs: 1,
    });
    expect(again).toHaveLength(60);
    expect(again.every((j) => j.attempts === 1 && Number(j.ref) % 10 === 1)).toBe(true);
  });

  it('runs a batch that throws job by job instead', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const kind = 'batch-throws';
    const perJob: string[] = [];
    const handler: JobHandler = Object.assign(
      (job: { ref: string }) => {
        perJob.push(job.ref);
        if (job.ref === '3') return Promise.reject(new Error('bad job'));
        return Promise.resolve({ done: true as const });
      },
      {
        batch: () => Promise.reject(new Error('bad batch')),
      },
    );
    const errors: string[] = [];
    const runner = new JobRunner({
      store,
      clock,
      handlers: { [kind]: handler },
      owner: 'runner',
      onError: (e) => errors.push((e as Error).message),
    });
    await store.outbox.enqueue(
      Array.from({ length: 5 }, (_, i) => ({ kind, ref: String(i), runAt: clock.now() })),
    );
    expect(await runner.runDue()).toBe(5);
    expect(perJob.sort()).toEqual(['0', '1', '2', '3', '4']);
    expect(errors).toEqual(['bad batch', 'bad job']);
    expect(await store.outbox.count([kind])).toBe(1);
  });
});

describe('webhook batches', () => {
  let store: Store;
  let rx: Server;
  let base = '';
  const hits: string[] = [];
  beforeAll(async () => {
    store = await openTestStore();
    await store.accounts.insert({
      sid: MAIN_SID,
      ownerAccountSid: MAIN_SID,
      friendlyName: 'main',
      authToken: MAIN_TOKEN,
      status: 'active',
      type: 'Full',
      dateCreated: 0,
      dateUpdated: 0,
    });
    rx = createServer((req, res) => {
      void readBody(req).then((body) => {
        const params = new URLSearchParams(body);
        hits.push(`${req.url} ${params.get('N')}`);
        if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 1_000);
        else res.writeHead(req.url === '/ok' ? 200 : 500).end();
      });
    });
    await new Promise<void>((ok) => rx.listen(0, '127.0.0.1', ok));
    const addr = rx.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  afterAll(async () => {
    await store.close();
    await new Promise((ok) => rx.close(ok));
  });

  it('settles every outcome of a mixed batch and hands each chain on to its next webhook', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const h = webhookHandler({ store, clock, random: () => 0.5, timeoutMs: 2_000 });
    const gone = 'AC' + '0d'.repeat(16);
    const w = (n: string, key: string, path: string, over: Partial<WebhookRequest> = {}) => ({
      accountSid: MAIN_SID,
      orderKey: key,
      kind: 'status-callback',
      url: `${base}${path}`,
      method: 'POST' as const,
      params: { N: n },
      ...over,
    });
    await enqueueWebhooks(
      store,
      [
        w('1', 'K1', '/ok'),
        w('2', 'K1', '/ok'),
        w('3', 'K2', '/fail'),
        w('4', 'K3', '/fail', { fallbackUrl: `${base}/ok` }),
        w('5', 'K4', '/ok', { accountSid: gone }),
        w('6', 'K4', '/ok'),
      ],
      clock.now(),
    );
    const claim = () => claimWebhooks(store, clock.now());
    // Only each chain's head is due.
    const first = await claim();
    expect(first.map((x) => x.params['N'])).toEqual(['1', '3', '4', '5']);
    await (
      await h(first, { owner: 'o' })
    ).rest;
    expect(hits.sort()).toEqual(['/fail 3', '/fail 4', '/ok 1', '/ok 4']);
    const ws = await store.webhooks.getMany(first.map((x) => x.id));
    const state = Object.fromEntries(
      ws.map((x) => [x.params['N'], [x.status, x.attempts, x.runAt]]),
    );
    // The failed round is due again after its back-off; the rest are settled (never due).
    expect(state).toEqual({
      '1': ['delivered', 1, null],
      '3': ['pending', 1, clock.now() + 1250],
      '4': ['delivered', 1, null],
      '5': ['failed', 1, null],
    });
    const three = ws.find((x) => x.params['N'] === '3')!;
    expect((await store.webhooks.attemptsForWebhook(three.id)).map((a) => a.nextRetryAt)).toEqual([
      clock.now() + 1250,
    ]);
    const four = ws.find((x) => x.params['N'] === '4')!;
    expect((await store.webhooks.attemptsForWebhook(four.id)).map((a) => a.responseStatus)).toEqual(
      [500, 200],
    );
    // The chains moved on: 2 after 1, 6 after 5; 3 waits for its retry.
    const next = await claim();
    expect(next.map((x) => x.params['N']).sort()).toEqual(['2', '6']);
    await (
      await h(next, { owner: 'o' })
    ).rest;
    expect(hits.filter((x) => x.endsWith(' 2') || x.endsWith(' 6')).sort()).toEqual([
      '/ok 2',
      '/ok 6',
    ]);
    expect(await queued(store)).toBe(1);
    clock.advance(1250);
    expect((await claim()).map((x) => x.params['N'])).toEqual(['3']);
  });

  it('settles fast receivers without waiting for a slow one, which goes on in the background', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    const h = webhookHandler({ store, clock, random: () => 0.5, timeoutMs: 5_000 });
    const req = (n: string, path: string): WebhookRequest => ({
      accountSid: MAIN_SID,
      orderKey: `S${n}`,
      kind: 'status-callback',
      url: `${base}${path}`,
      method: 'POST',
      params: { N: n },
    });
    const before = await queued(store);
    await enqueueWebhooks(
      store,
      [req('slow', '/slow'), ...['a', 'b', 'c'].map((n) => req(n, '/ok'))],
      clock.now(),
    );
    const claimed = await claimWebhooks(store, clock.now());
    // Only this test's four: the webhook left by the test before is not due yet.
    expect(claimed).toHaveLength(4);
    const settled = async () => {
      const ws = await store.webhooks.getMany(claimed.map((w) => w.id));
      return ws.filter((w) => w.status === 'delivered').map((w) => w.params['N']);
    };
    // The batch returns before the slow receiver answers (a second later): that one goes on in
    // the background, and the fast ones are settled without waiting for it.
    // The batch holds its lane at most 100 ms: the fast ones' wave may still be committing when
    // it returns (a slow store), so they are awaited, well before the slow one answers (1 s).
    const { rest } = await h(claimed, { owner: 'o' });
    const fast = await until(async () => {
      const list = await settled();
      return list.length >= 3 ? list : undefined;
    }, 800);
    expect(fast.sort()).toEqual(['a', 'b', 'c']);
    expect(await queued(store)).toBe(before + 1);
    // Settled in its own wave once answered.
    await rest;
    expect((await settled()).sort()).toEqual(['a', 'b', 'c', 'slow']);
    expect(await queued(store)).toBe(before);
  });

  it('a wave that cannot be recorded is retried later, not sent again at once', async () => {
    const clock = new ManualClock(Date.UTC(2025, 5, 1));
    // The store's transactions fail (as on a database error) while the requests succeed.
    const broken: Store = {
      ...store,
      transaction: () => Promise.reject(new Error('database unavailable')),
    };
    const h = webhookHandler({ store: broken, clock, random: () => 0.5, timeoutMs: 2_000 });
    await enqueueWebhooks(
      store,
      [
        {
          accountSid: MAIN_SID,
          orderKey: 'W1',
          kind: 'status-callback',
          url: `${base}/ok`,
          method: 'POST',
          params: { N: 'w1' },
        },
      ],
      clock.now(),
    );
    const mine = (await claimWebhooks(store, clock.now())).filter((w) => w.orderKey === 'W1');
    expect(mine).toHaveLength(1);
    await (
      await h(mine, { owner: 'o' })
    ).rest;
    // Sent once; the webhook is due again later (at least once), not right away.
    expect(hits.filter((x) => x === '/ok w1')).toHaveLength(1);
    expect(await store.webhooks.get(mine[0]!.id)).toMatchObject({
      status: 'pending',
      attempts: 0,
      runAt: clock.now() + 5_000,
    });
  });
});
