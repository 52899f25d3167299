import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import type { StatusCallbacks } from '../../src/delivery/lifecycle.js';
import { DEFAULT_PRICES } from '../../src/delivery/pricing.js';
import { simulatorCarrier } from '../../src/delivery/simulator/sim.carrier.js';
import { SimNetwork } from '../../src/delivery/simulator/sim.network.js';
import { createPipeline, type Pipeline } from '../../src/delivery/pipeline.js';
import { randomIds } from '../../src/ids.js';
import { createReply } from '../../src/messages/messages.reply.js';
import type { Message } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { twimlResponseHandler } from '../../src/twiml/twiml.execute.js';
import { enqueueWebhooks, type WebhookRequest } from '../../src/webhooks/webhooks.enqueue.js';
import { webhookHandler } from '../../src/webhooks/webhooks.handler.js';
import { countingClaims } from '../support/claims.js';
import { messageRecord } from '../support/records.js';
import { openTestStore } from '../support/stores.js';
import { until } from '../support/until.js';

// The delivery pipeline of the process that accepts a message takes its job from memory (the
// job is stored leased to it); the status callbacks its handlers queue wake its webhook queue
// once they commit, and the replies TwiML queues wake delivery: with polls a minute apart,
// only those wake-ups get the work done in time.
const ACCOUNT = 'AC' + 'f3'.repeat(16);
const TOKEN = 'f3'.repeat(16);

let store: Store;
let rx: Server;
let base = '';
/** The `N` parameter of each request the receiver got, in order. */
const got: string[] = [];
/** What the receiver answers (TwiML for the reply test). */
let answer = '';
beforeAll(async () => {
  store = await openTestStore();
  await store.accounts.insert({
    sid: ACCOUNT,
    ownerAccountSid: ACCOUNT,
    friendlyName: 'handoff',
    authToken: TOKEN,
    status: 'active',
    type: 'Full',
    dateCreated: 0,
    dateUpdated: 0,
  });
  rx = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      got.push(new URLSearchParams(body).get('N') ?? '');
      res.writeHead(200, { 'content-type': 'text/xml' }).end(answer);
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

/**
 * A pipeline over a store that counts claim queries by kind. With `callbacks`, each delivered
 * message queues two webhooks to the receiver (a chain: `<sid>:1`, then `<sid>:2`); with
 * `twiml`, an `inbound` webhook's answer is consumed as TwiML and its replies queued.
 */
function pipeline(owner: string, opts: { callbacks?: boolean } = {}) {
  const { store: counted, claims, running } = countingClaims(store);
  const request = (sid: string, n: string, kind = 'status-callback'): WebhookRequest => ({
    accountSid: ACCOUNT,
    orderKey: sid,
    kind,
    url: `${base}/hook`,
    method: 'POST',
    params: { N: n },
  });
  const callbacks: StatusCallbacks = Object.assign(
    async (tx: Store, m: Message) => {
      if (opts.callbacks && m.status === 'delivered') {
        await enqueueWebhooks(
          tx,
          [request(m.sid, `${m.sid}:1`), request(m.sid, `${m.sid}:2`)],
          Date.now(),
        );
      }
    },
    {
      many: async (tx: Store, items: ReadonlyArray<{ message: Message }>) => {
        for (const { message } of items) await callbacks(tx, message, 0);
      },
    },
  );
  const p = createPipeline({
    store: counted,
    clock: systemClock,
    carrier: simulatorCarrier(new SimNetwork({ deliveryDelayMs: 0, seed: owner })),
    prices: DEFAULT_PRICES,
    callbacks,
    webhooks: webhookHandler({
      store: counted,
      clock: systemClock,
      onResponse: twimlResponseHandler({ clock: systemClock, ids: randomIds(), createReply }),
    }),
    owner,
    // Only wake-ups make claims here, not polls.
    pollMs: 60_000,
  });
  return { p, claims, running, request };
}

/** Stores a message as the Messages service does: leased when the pipeline takes it. */
async function create(p: Pipeline) {
  const now = Date.now();
  const outbox = { kind: 'dispatch' as const, runAt: now };
  const lease = p.lease?.(outbox);
  const message = messageRecord(ACCOUNT, {
    from: '+14155552345',
    dateCreated: now,
    dateUpdated: now,
  });
  const [stored] = await store.messages.insertMany([
    { message, outbox: lease ? { ...outbox, lease } : outbox },
  ]);
  p.accepted(message, stored?.job);
  return { message, leased: lease !== undefined };
}

const delivered = (sid: string) =>
  until(async () => {
    const m = await store.messages.findBySid(sid);
    return m?.status === 'delivered' ? m : undefined;
  }, 5_000);

/**
 * Runs `fn` on a started pipeline, after the start-up claims of delivery, then stops it. Those
 * are over once each of its kinds was claimed and no claim is still running: with nothing to
 * find, the loops then sleep until a wake-up (or the minute's poll). A fixed pause was not
 * enough under load: a start-up claim answered late counted as one of the test's.
 */
async function started(t: ReturnType<typeof pipeline>, fn: () => Promise<void>) {
  t.p.start();
  try {
    await until(() =>
      ['dispatch', 'sim-dlr'].every((k) => t.claims.includes(k)) && t.running() === 0
        ? true
        : undefined,
    );
    t.claims.length = 0;
    await fn();
  } finally {
    await t.p.stop();
  }
}

it('a delivering process takes its new messages from memory: no claim query', async () => {
  const t = pipeline('handoff-quiet');
  // Not started (an API-only process): no lease, the job waits to be claimed.
  expect(t.p.lease?.({ kind: 'dispatch', runAt: Date.now() })).toBeUndefined();
  await started(t, async () => {
    for (let i = 0; i < 5; i++) {
      const { message, leased } = await create(t.p);
      expect(leased).toBe(true);
      await delivered(message.sid);
    }
    // Five messages delivered without a claim query: neither dispatch nor webhook.
    expect(t.claims).toEqual([]);
  });
});

it('status callbacks queued by delivery, and the next of a chain, are sent without a poll', async () => {
  const t = pipeline('handoff-callbacks', { callbacks: true });
  got.length = 0;
  await started(t, async () => {
    const sids: string[] = [];
    for (let i = 0; i < 5; i++) sids.push((await create(t.p)).message.sid);
    const want = sids.flatMap((sid) => [`${sid}:1`, `${sid}:2`]);
    await until(() => (got.length >= want.length ? true : undefined), 5_000);
    expect([...got].sort()).toEqual([...want].sort());
    // In order per message.
    for (const sid of sids) expect(got.indexOf(`${sid}:1`)).toBeLessThan(got.indexOf(`${sid}:2`));
    // Nothing is left queued, and dispatch was never claimed.
    await until(
      async () =>
        (await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs === 0 ? true : undefined,
      5_000,
    );
    expect(t.claims).toEqual([]);
  });
});

it('a TwiML reply queued by a webhook wakes delivery for a claim', async () => {
  const t = pipeline('handoff-reply');
  answer = '<Response><Message>pong</Message></Response>';
  await started(t, async () => {
    const inbound = messageRecord(ACCOUNT, {
      from: '+14155550100',
      to: '+14155552345',
      direction: 'inbound',
      status: 'received',
    });
    await store.messages.insert(inbound);
    await enqueueWebhooks(store, [t.request(inbound.sid, 'in', 'inbound')], Date.now());
    t.p.notifyWebhooks();
    // Polls are a minute apart: only the wake-up after the wave gets the reply sent in time.
    const reply = await until(async () => {
      const list = await store.messages.list(
        { accountSid: ACCOUNT, to: '+14155550100', tags: [] },
        { limit: 5, direction: 'after' },
      );
      const m = list.find((x) => x.body === 'pong');
      return m?.status === 'delivered' ? m : undefined;
    }, 5_000);
    expect(reply.body).toBe('pong');
    expect(t.claims).toContain('dispatch');
  });
});
