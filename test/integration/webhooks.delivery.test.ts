import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import type { Message } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import {
  enqueueStatusCallback,
  type StatusCallbackMessage,
} from '../../src/webhooks/status-callback.js';
import { enqueueWebhook } from '../../src/webhooks/webhooks.enqueue.js';
import {
  webhookHandler,
  type WebhookBatch,
  type WebhookHandlerDeps,
} from '../../src/webhooks/webhooks.handler.js';
import { WebhookQueue } from '../../src/webhooks/webhooks.queue.js';
import { openTestStore } from '../support/stores.js';

const AC = 'AC' + '11'.repeat(16);
const TOKEN = 'aa'.repeat(16);
const SUB = 'AC' + '22'.repeat(16);
const SUB_TOKEN = 'bb'.repeat(16);
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);

/** One request as the receiving server saw it. */
interface Received {
  method: string;
  /** Scheme, host, port, path and query: what the receiver reconstructs to validate. */
  fullUrl: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: string;
  /** The form body, repeated names as arrays. */
  params: Record<string, string | string[]>;
}

type Reply = { status: number; body?: string; headers?: Record<string, string> } | 'hang';

/** A real HTTP server on 127.0.0.1 that records requests and answers as `reply` says. */
async function receiver(reply: (req: Received, n: number) => Reply = () => ({ status: 200 })) {
  const requests: Received[] = [];
  const hanging: ServerResponse[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const { port } = server.address() as AddressInfo;
      const fullUrl = `http://127.0.0.1:${port}${req.url ?? '/'}`;
      const params: Record<string, string | string[]> = {};
      if (req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        for (const [k, v] of new URLSearchParams(body)) {
          const prev = params[k];
          params[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
      }
      const r: Received = {
        method: req.method ?? '',
        fullUrl,
        query: new URL(fullUrl).searchParams,
        headers: req.headers,
        body,
        params,
      };
      requests.push(r);
      const out = reply(r, requests.length);
      if (out === 'hang') {
        hanging.push(res);
        return;
      }
      res.writeHead(out.status, out.headers ?? { 'content-type': 'text/plain' });
      res.end(out.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Does the official SDK accept the request's signature, for this token? */
const validFor = (token: string, r: Received): boolean =>
  twilio.validateRequest(
    token,
    String(r.headers['x-twilio-signature'] ?? ''),
    r.fullUrl,
    r.method === 'POST' ? r.params : {},
  );

let store: Store;
let clock: ManualClock;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  clock = new ManualClock(T0);
  store = await openTestStore();
  for (const [sid, token] of [
    [AC, TOKEN],
    [SUB, SUB_TOKEN],
  ] as const) {
    await store.accounts.insert({
      sid,
      ownerAccountSid: AC,
      friendlyName: sid,
      authToken: token,
      status: 'active',
      type: 'Full',
      dateCreated: T0,
      dateUpdated: T0,
    });
  }
});

afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
  await store.close();
});

async function startReceiver(reply?: (req: Received, n: number) => Reply) {
  const r = await receiver(reply);
  closers.push(r.close);
  return r;
}

const handler = (over: Partial<WebhookHandlerDeps> = {}): WebhookBatch =>
  webhookHandler({ store, clock, random: () => 0.5, timeoutMs: 2_000, ...over });

/** Webhooks in the queue with a due time (pending chain heads), whenever due. */
const queued = async () => (await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs;

/**
 * What the production queue does once: claim every due webhook and send it, settling each
 * batch before the next claim (the handler's background part included).
 */
function drain(h: WebhookBatch): Promise<number> {
  return new WebhookQueue({ store, clock, send: h, owner: 'test' }).runDue();
}

/** Drains, then moves the clock to the next webhook's due time, until nothing is due. */
async function settle(h: WebhookBatch, maxSteps = 50): Promise<void> {
  for (let i = 0; i < maxSteps; i++) {
    await drain(h);
    const next = (await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).oldestDueAt;
    if (next === null) return;
    clock.set(Math.max(clock.now(), next));
  }
  throw new Error('webhooks did not settle');
}

const message = (over: Partial<StatusCallbackMessage> = {}): StatusCallbackMessage => ({
  sid: 'SM' + 'cc'.repeat(16),
  accountSid: AC,
  status: 'sent',
  from: '+15005550006',
  to: '+14155550100',
  messagingServiceSid: null,
  errorCode: null,
  dateUpdated: T0,
  ...over,
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('webhook delivery', () => {
  it('POSTs a signed form the twilio SDK validates, with Twilio-like headers', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'ok' }));
    const url = `${rx.url}/hooks/status?tenant=acme&note=a%20b`;
    const m = message({ status: 'delivered' }) as Message;
    const w = await enqueueStatusCallback(store, m, { url, method: 'POST' }, clock.now());
    await settle(handler());

    expect(rx.requests).toHaveLength(1);
    const r = rx.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.fullUrl).toBe(url);
    expect(validFor(TOKEN, r)).toBe(true);
    expect(validFor(SUB_TOKEN, r)).toBe(false);
    expect(r.params).toMatchObject({
      MessageSid: m.sid,
      MessageStatus: 'delivered',
      SmsStatus: 'delivered',
      AccountSid: AC,
      ApiVersion: '2010-04-01',
      RawDlrDoneDate: '2405011200',
    });
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(r.headers['user-agent']).toBe('TwilioProxy/1.1');
    expect(r.headers['accept']).toBe('*/*');
    expect(r.headers['i-twilio-idempotency-token']).toMatch(UUID);

    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'delivered', attempts: 1 });
    const log = await store.webhooks.attempts(m.sid);
    expect(log).toHaveLength(1);
    expect(log[0]).toMatchObject({
      webhookId: w.id,
      url,
      method: 'POST',
      responseStatus: 200,
      responseExcerpt: 'ok',
      error: null,
      attemptedAt: T0,
      nextRetryAt: null,
    });
    expect(await queued()).toBe(0);
  });

  it('sends credentials in the URL as Basic auth and signs the URL without them', async () => {
    const rx = await startReceiver();
    const bare = `${rx.url}/hooks/status?x=1`;
    const withCredentials = bare.replace('http://', 'http://hook%20user:s3cret@');
    const m = message({ status: 'sent' }) as Message;
    await enqueueStatusCallback(store, m, { url: withCredentials, method: 'POST' }, clock.now());
    await settle(handler());

    const r = rx.requests[0]!;
    expect(r.fullUrl).toBe(bare);
    expect(r.headers['authorization']).toBe(
      `Basic ${Buffer.from('hook user:s3cret').toString('base64')}`,
    );
    // Twilio drops the username and password before signing: the receiver's own URL validates.
    expect(validFor(TOKEN, r)).toBe(true);
    // The attempt log, read back through the API, keeps the user name but not the password.
    const [attempt] = await store.webhooks.attempts(m.sid);
    expect(attempt?.url).toBe(bare.replace('http://', 'http://hook%20user@'));
  });

  it("signs with the owning account's token and carries repeated and unicode params", async () => {
    const rx = await startReceiver();
    const params = {
      Body: 'Grüße 👋 + & = ?',
      MediaUrl: ['https://m.example/b.png', 'https://m.example/a.png'],
      NumMedia: '2',
    };
    await enqueueWebhook(
      store,
      {
        accountSid: SUB,
        orderKey: 'MM1',
        kind: 'inbound',
        url: `${rx.url}/in`,
        method: 'POST',
        params,
      },
      clock.now(),
    );
    await settle(handler());
    const r = rx.requests[0]!;
    expect(r.params).toEqual(params);
    expect(validFor(SUB_TOKEN, r)).toBe(true);
    expect(validFor(TOKEN, r)).toBe(false);
  });

  it('GET puts the params in the query and signs the full URL', async () => {
    const rx = await startReceiver();
    const m = message({ status: 'undelivered', errorCode: 30003 });
    await enqueueStatusCallback(store, m, { url: `${rx.url}/cb?a=1`, method: 'GET' }, clock.now());
    await settle(handler());
    const r = rx.requests[0]!;
    expect(r.method).toBe('GET');
    expect(r.body).toBe('');
    expect(r.headers['content-type']).toBeUndefined();
    expect(r.query.get('a')).toBe('1');
    expect(r.query.get('MessageStatus')).toBe('undelivered');
    expect(r.query.get('ErrorCode')).toBe('30003');
    expect(r.query.get('From')).toBe('+15005550006');
    expect(validFor(TOKEN, r)).toBe(true);
    const [attempt] = await store.webhooks.attempts(m.sid);
    expect(attempt?.url).toBe(r.fullUrl);
  });

  it('retries with back-off: N failures then success = N+1 requests and N+1 log rows', async () => {
    const N = 3;
    const rx = await startReceiver((_r, n) =>
      n <= N ? { status: 500, body: `boom ${n}` } : { status: 204 },
    );
    const m = message();
    const w = await enqueueStatusCallback(store, m, { url: `${rx.url}/s`, method: 'POST' }, T0);
    await settle(handler());

    expect(rx.requests).toHaveLength(N + 1);
    expect(rx.requests.every((r) => validFor(TOKEN, r))).toBe(true);
    const tokens = new Set(rx.requests.map((r) => r.headers['i-twilio-idempotency-token']));
    expect(tokens.size).toBe(1);

    const log = await store.webhooks.attempts(m.sid);
    expect(log.map((a) => a.responseStatus)).toEqual([500, 500, 500, 204]);
    expect(log.map((a) => a.responseExcerpt)).toEqual(['boom 1', 'boom 2', 'boom 3', '']);
    // Floors 1 s·2^(n−1) plus jitter of up to half the floor, at random()=0.5 a quarter.
    expect(log.map((a) => (a.nextRetryAt === null ? null : a.nextRetryAt - a.attemptedAt))).toEqual(
      [1250, 2500, 5000, null],
    );
    expect(log.map((a) => a.attemptedAt - T0)).toEqual([0, 1250, 3750, 8750]);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'delivered', attempts: 4 });
    expect(await queued()).toBe(0);
  });

  it('gives up once the retry span is covered and marks the webhook failed', async () => {
    const rx = await startReceiver(() => ({ status: 503 }));
    const w = await enqueueStatusCallback(
      store,
      message(),
      { url: `${rx.url}/s`, method: 'POST' },
      T0,
    );
    // Floors 1 s + 2 s cover a 3 s span: 3 rounds, the last ≥ 3 s after the first.
    await settle(handler({ retry: { spanMs: 3_000 } }));
    expect(rx.requests).toHaveLength(3);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'failed', attempts: 3 });
    const log = await store.webhooks.attemptsForWebhook(w.id);
    expect(log.map((a) => a.nextRetryAt === null)).toEqual([false, false, true]);
    expect(await queued()).toBe(0);
  });

  it('cuts off a hanging receiver at timeoutMs and records the error', async () => {
    let hang = true;
    const rx = await startReceiver(() => (hang ? 'hang' : { status: 200 }));
    const m = message();
    const w = await enqueueStatusCallback(store, m, { url: `${rx.url}/slow`, method: 'POST' }, T0);
    const h = handler({ timeoutMs: 300 });
    const started = Date.now();
    await drain(h);
    expect(Date.now() - started).toBeLessThan(5_000);

    const [first] = await store.webhooks.attempts(m.sid);
    expect(first).toMatchObject({
      responseStatus: null,
      responseExcerpt: null,
      nextRetryAt: T0 + 1250,
    });
    expect(first?.error).toMatch(/timeout after 300 ms/);
    expect(first?.latencyMs).toBeGreaterThanOrEqual(250);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'pending', attempts: 1 });

    hang = false;
    await settle(h);
    expect(rx.requests).toHaveLength(2);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'delivered', attempts: 2 });
  });

  it('records a connection failure as an error and retries', async () => {
    const rx = await startReceiver();
    const dead = rx.url;
    await rx.close();
    closers.pop();
    const m = message();
    await enqueueStatusCallback(store, m, { url: `${dead}/x`, method: 'POST' }, T0);
    await drain(handler());
    const [a] = await store.webhooks.attempts(m.sid);
    expect(a).toMatchObject({ responseStatus: null, nextRetryAt: T0 + 1250 });
    // Twilio's debugger code, and nothing about the port (no ECONNREFUSED).
    expect(a?.error).toBe('11205: HTTP connection failure');
  });

  it('tries the fallback URL in the same round when the primary returns 500', async () => {
    const primary = await startReceiver(() => ({ status: 500, body: 'down' }));
    const fallback = await startReceiver(() => ({ status: 200, body: '<Response/>' }));
    const w = await enqueueWebhook(
      store,
      {
        accountSid: AC,
        orderKey: 'SMfb',
        kind: 'inbound',
        url: `${primary.url}/in?x=1`,
        method: 'POST',
        params: { Body: 'hi', From: '+14155550100' },
        fallbackUrl: `${fallback.url}/fb`,
      },
      T0,
    );
    await settle(handler());
    expect(primary.requests).toHaveLength(1);
    expect(fallback.requests).toHaveLength(1);
    expect(validFor(TOKEN, fallback.requests[0]!)).toBe(true);
    const log = await store.webhooks.attempts('SMfb');
    expect(log.map((a) => [a.url, a.responseStatus, a.nextRetryAt])).toEqual([
      [`${primary.url}/in?x=1`, 500, null],
      [`${fallback.url}/fb`, 200, null],
    ]);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'delivered', attempts: 1 });
  });

  it('when primary and fallback both fail, the round is retried as a whole', async () => {
    const primary = await startReceiver((_r, n) => (n === 1 ? { status: 500 } : { status: 200 }));
    const fallback = await startReceiver(() => ({ status: 502 }));
    await enqueueWebhook(
      store,
      {
        accountSid: AC,
        orderKey: 'SMfb2',
        kind: 'status-callback',
        url: `${primary.url}/in`,
        method: 'POST',
        params: { Body: 'hi' },
        fallbackUrl: `${fallback.url}/fb`,
        fallbackMethod: 'GET',
      },
      T0,
    );
    await settle(handler());
    const log = await store.webhooks.attempts('SMfb2');
    expect(log.map((a) => [a.method, a.responseStatus, a.nextRetryAt])).toEqual([
      ['POST', 500, null],
      ['GET', 502, T0 + 1250],
      ['POST', 200, null],
    ]);
    expect(fallback.requests[0]?.method).toBe('GET');
    expect(fallback.requests[0]?.query.get('Body')).toBe('hi');
    expect(validFor(TOKEN, fallback.requests[0]!)).toBe(true);
  });

  it('an inbound webhook gets one round (primary, then fallback) and no retries, as Twilio does', async () => {
    const primary = await startReceiver((_r, n) => (n === 1 ? { status: 500 } : { status: 200 }));
    const fallback = await startReceiver(() => ({ status: 502 }));
    await enqueueWebhook(
      store,
      {
        accountSid: AC,
        orderKey: 'SMfb3',
        kind: 'inbound',
        url: `${primary.url}/in`,
        method: 'POST',
        params: { Body: 'hi' },
        fallbackUrl: `${fallback.url}/fb`,
        fallbackMethod: 'GET',
      },
      T0,
    );
    await settle(handler());
    const log = await store.webhooks.attempts('SMfb3');
    expect(log.map((a) => [a.method, a.responseStatus, a.nextRetryAt])).toEqual([
      ['POST', 500, null],
      ['GET', 502, null],
    ]);
    expect(fallback.requests[0]?.method).toBe('GET');
    expect(fallback.requests[0]?.query.get('Body')).toBe('hi');
    expect(validFor(TOKEN, fallback.requests[0]!)).toBe(true);
  });

  it('delivers three webhooks of one message in order although the first needs retries', async () => {
    const sid = 'SM' + 'dd'.repeat(16);
    const other = 'SM' + 'ee'.repeat(16);
    let queuedTries = 0;
    // The first callback (`queued`) of `sid` fails twice; everything else succeeds at once.
    const rx = await startReceiver((r) =>
      r.params.MessageSid === sid && r.params.MessageStatus === 'queued' && ++queuedTries <= 2
        ? { status: 500 }
        : { status: 200 },
    );
    const target = { url: `${rx.url}/s`, method: 'POST' } as const;
    for (const status of ['queued', 'sent', 'delivered'] as const) {
      await enqueueStatusCallback(store, message({ sid, status }), target, T0);
    }
    // Only the head of the chain has a job: nothing behind it polls.
    expect(await queued()).toBe(1);

    await drain(handler()); // `queued`, first try: 500
    // Another message is not held up by this one's retries.
    await enqueueStatusCallback(store, message({ sid: other, status: 'sent' }), target, T0);
    await settle(handler());

    const seen = rx.requests.map(
      (r) => `${String(r.params.MessageSid).slice(-2)}:${String(r.params.MessageStatus)}`,
    );
    expect(seen).toEqual([
      'dd:queued',
      'ee:sent',
      'dd:queued',
      'dd:queued',
      'dd:sent',
      'dd:delivered',
    ]);
    const log = await store.webhooks.attempts(sid);
    expect(log.map((a) => [a.params.MessageStatus, a.responseStatus])).toEqual([
      ['queued', 500],
      ['queued', 500],
      ['queued', 200],
      ['sent', 200],
      ['delivered', 200],
    ]);
    expect(await queued()).toBe(0);
  });

  it('follows a redirect as Twilio does (11216), signed for the new URL, same method and body', async () => {
    const target = await startReceiver();
    const rx = await startReceiver(() => ({
      status: 307,
      headers: { location: `${target.url}/elsewhere` },
    }));
    const m = message();
    await enqueueStatusCallback(store, m, { url: `${rx.url}/s`, method: 'POST' }, T0);
    await settle(handler());
    expect(rx.requests).toHaveLength(1);
    expect(target.requests).toHaveLength(1);
    const r = target.requests[0]!;
    expect(r.method).toBe('POST');
    expect(r.params['MessageSid']).toBe(m.sid);
    expect(validFor(TOKEN, r)).toBe(true);
    const attempts = await store.webhooks.attempts(m.sid);
    expect(attempts.map((a) => [a.url, a.responseStatus])).toEqual([[`${rx.url}/s`, 200]]);
  });

  it('keeps only the first 1 KiB of a response body', async () => {
    const rx = await startReceiver(() => ({ status: 200, body: 'é'.repeat(3000) }));
    const m = message();
    await enqueueStatusCallback(store, m, { url: `${rx.url}/s`, method: 'POST' }, T0);
    await settle(handler());
    const [a] = await store.webhooks.attempts(m.sid);
    expect(Buffer.byteLength(a?.responseExcerpt ?? '')).toBe(1024);
    expect(a?.responseExcerpt).toBe('é'.repeat(512));
  });

  it('fails at once when the account is gone, and moves on to the next webhook', async () => {
    const rx = await startReceiver();
    const ghost = 'AC' + '99'.repeat(16);
    const first = await enqueueWebhook(
      store,
      {
        accountSid: ghost,
        orderKey: 'SMg',
        kind: 'status-callback',
        url: `${rx.url}/a`,
        method: 'POST',
        params: {},
      },
      T0,
    );
    const second = await enqueueWebhook(
      store,
      {
        accountSid: AC,
        orderKey: 'SMg',
        kind: 'status-callback',
        url: `${rx.url}/b`,
        method: 'POST',
        params: {},
      },
      T0,
    );
    await settle(handler());
    expect(await store.webhooks.get(first.id)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(await store.webhooks.get(second.id)).toMatchObject({ status: 'delivered' });
    expect(rx.requests.map((r) => new URL(r.fullUrl).pathname)).toEqual(['/b']);
    const log = await store.webhooks.attempts('SMg');
    expect(log[0]?.error).toMatch(/not found/);
  });

  it('takes a webhook whose lease ran out (a dead worker) again; a settled one never', async () => {
    const rx = await startReceiver();
    const h = handler();
    const w = await enqueueStatusCallback(
      store,
      message(),
      { url: `${rx.url}/s`, method: 'POST' },
      T0,
    );
    const taken = await store.webhooks.claim({
      owner: 'dead',
      now: T0,
      limit: 10,
      leaseMs: 30_000,
    });
    expect(taken.map((x) => x.id)).toEqual([w.id]);
    expect(await drain(h)).toBe(0);
    clock.set(T0 + 30_001);
    expect(await drain(h)).toBe(1);
    expect(await drain(h)).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(await store.webhooks.get(w.id)).toMatchObject({ status: 'delivered', runAt: null });
    expect(await queued()).toBe(0);
  });

  it('lists an account’s attempts newest first', async () => {
    const rx = await startReceiver();
    await enqueueStatusCallback(
      store,
      message({ sid: 'SMa' }),
      { url: `${rx.url}/1`, method: 'POST' },
      T0,
    );
    await enqueueStatusCallback(
      store,
      message({ sid: 'SMb' }),
      { url: `${rx.url}/2`, method: 'POST' },
      T0,
    );
    await enqueueStatusCallback(
      store,
      message({ sid: 'SMc', accountSid: SUB }),
      { url: `${rx.url}/3`, method: 'POST' },
      T0,
    );
    await settle(handler());
    const list = await store.webhooks.attemptsForAccount(AC, 10);
    expect(list.map((a) => a.orderKey)).toEqual(['SMb', 'SMa']);
    expect(await store.webhooks.attemptsForAccount(AC, 1)).toHaveLength(1);
  });
});
