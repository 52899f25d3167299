import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { badRequest } from '../../src/http/errors.js';
import { sequentialIds } from '../../src/ids.js';
import { createReply } from '../../src/messages/messages.reply.js';
import { defaultConfig } from '../../src/phone-numbers/phone-numbers.params.js';
import type { Message } from '../../src/store/records.js';
import { messageRecord } from '../support/records.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store, Webhook, WebhookParams } from '../../src/store/store.js';
import {
  REDIRECT_KIND,
  twimlResponseHandler,
  type TwimlDeps,
} from '../../src/twiml/twiml.execute.js';
import { enqueueWebhook } from '../../src/webhooks/webhooks.enqueue.js';
import { WebhookQueue } from '../../src/webhooks/webhooks.queue.js';
import { webhookHandler } from '../../src/webhooks/webhooks.handler.js';

const AC = 'AC' + '11'.repeat(16);
const TOKEN = 'aa'.repeat(16);
const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
const HANDSET = '+14155550100';
const OURS = '+14155550111';
const OURS_2 = '+14155550122';
const NO_SMS = '+14155550133';
const INBOUND_SID = 'SM' + 'cc'.repeat(16);
const DOC_URL = 'https://app.example.com/sms/incoming?tenant=acme';

let store: Store;
let clock: ManualClock;
let seq = 0;
const closers: Array<() => Promise<void>> = [];

beforeEach(async () => {
  clock = new ManualClock(T0);
  store = await openSqliteStore({ path: ':memory:' });
  await store.accounts.insert({
    sid: AC,
    ownerAccountSid: AC,
    friendlyName: 'main',
    authToken: TOKEN,
    status: 'active',
    type: 'Full',
    dateCreated: T0,
    dateUpdated: T0,
  });
  for (const [number, sms] of [
    [OURS, true],
    [OURS_2, true],
    [NO_SMS, false],
  ] as const) {
    const config = defaultConfig();
    config.capabilities.sms = sms;
    await store.phoneNumbers.insert({
      sid: 'PN' + (++seq).toString(16).padStart(32, '0'),
      accountSid: AC,
      phoneNumber: number,
      friendlyName: number,
      config,
      dateCreated: T0,
      dateUpdated: T0,
    });
  }
});

afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
  await store.close();
});

async function insertInbound(over: Partial<Message> = {}): Promise<Message> {
  return store.messages.insert(
    messageRecord(AC, {
      sid: INBOUND_SID,
      direction: 'inbound',
      status: 'received',
      from: HANDSET,
      to: OURS,
      dateCreated: T0,
      dateUpdated: T0,
      dateSent: T0,
      ...over,
    }),
  );
}

const PARAMS: WebhookParams = {
  MessageSid: INBOUND_SID,
  AccountSid: AC,
  From: HANDSET,
  To: OURS,
  Body: 'hello',
};

function inboundWebhook(kind = 'inbound'): Promise<Webhook> {
  return store.webhooks.insert({
    accountSid: AC,
    orderKey: INBOUND_SID,
    kind,
    url: DOC_URL,
    method: 'POST',
    params: PARAMS,
    fallbackUrl: null,
    fallbackMethod: null,
    createdAt: T0,
  });
}

const hook = (over: Partial<TwimlDeps> = {}) =>
  twimlResponseHandler({ clock, ids: sequentialIds(100), createReply, ...over });

/** Runs the hook as the webhook handler does: in a transaction, for a 200 answer. */
async function answer(
  body: string,
  contentType = 'text/xml',
  over: Partial<TwimlDeps> = {},
  webhook?: Webhook,
) {
  const w = webhook ?? (await inboundWebhook());
  const h = hook(over);
  return store.transaction((tx) =>
    h.handle(tx, w, { url: DOC_URL, status: 200, contentType, body }, clock.now()),
  );
}

async function replies(): Promise<Message[]> {
  const all = await store.messages.list(
    { accountSid: AC, tags: [] },
    { limit: 100, direction: 'after' },
  );
  return all.filter((m) => m.direction === 'outbound-reply').reverse();
}

const twiml = (build: (r: InstanceType<typeof twilio.twiml.MessagingResponse>) => void) => {
  const r = new twilio.twiml.MessagingResponse();
  build(r);
  return r.toString();
};

describe('twimlResponseHandler: <Message>', () => {
  beforeEach(async () => {
    await insertInbound();
  });

  it('handles the inbound and redirect webhook kinds', () => {
    expect(hook().kinds).toEqual(['inbound', 'inbound-redirect']);
  });

  it('replies to the sender from the receiving number by default, queued for delivery', async () => {
    const out = await answer(twiml((r) => r.message('Thanks!')));
    expect(out).toEqual({});
    const [reply, ...rest] = await replies();
    expect(rest).toEqual([]);
    expect(reply).toMatchObject({
      direction: 'outbound-reply',
      status: 'queued',
      from: OURS,
      to: HANDSET,
      body: 'Thanks!',
      statusCallback: null,
      messagingServiceSid: null,
      numMedia: 0,
    });
    expect(reply!.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(await store.outbox.count(['dispatch'])).toBe(1);
  });

  it('applies to/from overrides, action (resolved) with its method, and media', async () => {
    const xml = twiml((r) => {
      r.message(
        { to: '+14155550177', from: OURS_2, action: '../status?x=1', method: 'GET' },
        'A',
      ).media('/img/cat.png');
      r.message({ statusCallback: 'https://cb.example.com/s' }, 'B');
    });
    expect(await answer(xml)).toEqual({});
    const [a, b] = await replies();
    expect(a).toMatchObject({
      from: OURS_2,
      to: '+14155550177',
      body: 'A',
      numMedia: 1,
      statusCallback: 'https://app.example.com/status?x=1',
    });
    expect(a!.sid).toMatch(/^MM/);
    expect(a!.options).toEqual({
      MediaUrl: ['https://app.example.com/img/cat.png'],
      StatusCallbackMethod: 'GET',
    });
    expect(b).toMatchObject({
      from: OURS,
      to: HANDSET,
      statusCallback: 'https://cb.example.com/s',
    });
    expect(b!.options).toEqual({});
  });

  it('reads a `to` without + in the country of the sender', async () => {
    await answer(twiml((r) => r.message({ to: '(415) 555-0188' }, 'hi')));
    expect((await replies())[0]).toMatchObject({ to: '+14155550188' });
  });

  it('keeps the inbound message’s Messaging Service on replies', async () => {
    const mg = 'MG' + 'dd'.repeat(16);
    const other = 'SM' + 'ee'.repeat(16);
    await insertInbound({ sid: other, messagingServiceSid: mg });
    const w = await store.webhooks.insert({
      accountSid: AC,
      orderKey: other,
      kind: 'inbound',
      url: DOC_URL,
      method: 'POST',
      params: { ...PARAMS, MessageSid: other, MessagingServiceSid: mg },
      fallbackUrl: null,
      fallbackMethod: null,
      createdAt: T0,
    });
    await answer(
      twiml((r) => r.message('svc')),
      'text/xml',
      {},
      w,
    );
    expect((await replies())[0]).toMatchObject({ messagingServiceSid: mg, from: OURS });
  });

  it('sends a text/plain answer back as the reply', async () => {
    expect(await answer('Got it', 'text/plain')).toEqual({});
    expect((await replies())[0]).toMatchObject({ body: 'Got it', to: HANDSET, from: OURS });
  });

  it('does nothing, quietly, for an empty answer or an empty <Response/>', async () => {
    expect(await answer('', '')).toEqual({});
    expect(await answer(twiml(() => {}))).toEqual({});
    expect(await replies()).toEqual([]);
  });

  it('records parse errors and sends nothing', async () => {
    expect(await answer('<Response><Message>hi</Response>')).toEqual({
      error: expect.stringMatching(/^12100: Document parse failure: /),
    });
    expect(await answer('{"ok":true}', 'application/json')).toEqual({
      error: '12300: Invalid Content-Type: application/json',
    });
    expect(await answer('<Reply/>')).toEqual({
      error: '12102: The root element must be Response, not <Reply>',
    });
    expect(await replies()).toEqual([]);
  });

  it('skips a message with a bad `to` (14101) and sends the others', async () => {
    const out = await answer(
      twiml((r) => {
        r.message({ to: 'not-a-number' }, 'bad');
        r.message('good');
      }),
    );
    expect(out).toEqual({ error: "14101: Invalid 'To' attribute: not-a-number" });
    expect((await replies()).map((m) => m.body)).toEqual(['good']);
  });

  it('refuses a `from` the account does not own (14102) or that cannot send SMS (14108)', async () => {
    const out = await answer(
      twiml((r) => {
        r.message({ from: '+14155550199' }, 'not ours');
        r.message({ from: NO_SMS }, 'voice only');
        r.message({ from: 'Acme' }, 'alphanumeric');
      }),
    );
    expect(out?.error).toMatch(/^14102: .*; 14108: /);
    expect((await replies()).map((m) => [m.from, m.body])).toEqual([['Acme', 'alphanumeric']]);
  });

  it('sends without callbacks when action is not a usable URL (14105)', async () => {
    const out = await answer(twiml((r) => r.message({ action: 'ftp://x/cb' }, 'hi')));
    expect(out?.error).toMatch(/^14105: /);
    expect((await replies())[0]).toMatchObject({ body: 'hi', statusCallback: null });
  });

  it('skips a message whose media URL is not http(s) (11100)', async () => {
    const out = await answer(twiml((r) => r.message('x').media('mailto:a@b.c')));
    expect(out?.error).toMatch(/^11100: /);
    expect(await replies()).toEqual([]);
  });

  it('notes parse warnings along with the replies that were sent', async () => {
    const out = await answer('<Response><Say>hi</Say><Message>ok</Message></Response>');
    expect(out?.error).toMatch(/^14110: Invalid Verb for SMS Reply: <Say>/);
    expect(await replies()).toHaveLength(1);
  });

  it('sends at most 10 replies per document (14109)', async () => {
    const out = await answer(
      twiml((r) => {
        for (let i = 1; i <= 12; i++) r.message(`m${i}`);
      }),
    );
    expect(out?.error).toMatch(/^14109: /);
    expect(out?.error?.match(/14109/g)).toHaveLength(1);
    expect((await replies()).map((m) => m.body)).toEqual(
      Array.from({ length: 10 }, (_, i) => `m${i + 1}`),
    );
  });

  it('notes a Twilio error thrown by createReply and carries on; other errors propagate', async () => {
    let calls = 0;
    const failing: TwimlDeps['createReply'] = async (tx, d, req) => {
      calls++;
      if (req.body === 'blocked')
        throw badRequest(21610, 'Attempt to send to unsubscribed recipient');
      return createReply(tx, d, req);
    };
    const out = await answer(
      twiml((r) => {
        r.message('blocked');
        r.message('fine');
      }),
      'text/xml',
      { createReply: failing },
    );
    expect(calls).toBe(2);
    expect(out).toEqual({ error: '21610: Attempt to send to unsubscribed recipient' });
    expect((await replies()).map((m) => m.body)).toEqual(['fine']);

    const broken: TwimlDeps['createReply'] = () => Promise.reject(new Error('boom'));
    await expect(
      answer(
        twiml((r) => r.message('x')),
        'text/xml',
        { createReply: broken },
      ),
    ).rejects.toThrow('boom');
  });

  it('reports an unknown inbound message instead of replying', async () => {
    const w = await store.webhooks.insert({
      accountSid: AC,
      orderKey: 'SM' + '00'.repeat(16),
      kind: 'inbound',
      url: DOC_URL,
      method: 'POST',
      params: PARAMS,
      fallbackUrl: null,
      fallbackMethod: null,
      createdAt: T0,
    });
    const out = await answer(
      twiml((r) => r.message('x')),
      'text/xml',
      {},
      w,
    );
    expect(out?.error).toMatch(/not found; TwiML not executed$/);
    expect(await replies()).toEqual([]);
  });
});

describe('twimlResponseHandler: <Redirect>', () => {
  beforeEach(async () => {
    await insertInbound();
  });

  async function redirects(): Promise<Webhook[]> {
    const out: Webhook[] = [];
    for (let id = 1; id < 50; id++) {
      const w = await store.webhooks.get(id);
      if (w?.kind === REDIRECT_KIND) out.push(w);
    }
    return out;
  }

  it('sends the messages before it and stores a redirect webhook with the same params', async () => {
    const xml =
      twiml((r) => {
        r.message('first');
        r.redirect({ method: 'GET' }, '/sms/next');
      }) + '';
    const after = xml.replace('</Response>', '<Message>never</Message></Response>');
    expect(await answer(after)).toEqual({});
    expect((await replies()).map((m) => m.body)).toEqual(['first']);
    const [w, ...more] = await redirects();
    expect(more).toEqual([]);
    expect(w).toMatchObject({
      accountSid: AC,
      orderKey: INBOUND_SID,
      kind: 'inbound-redirect',
      url: 'https://app.example.com/sms/next',
      method: 'GET',
      params: PARAMS,
      fallbackUrl: null,
      status: 'pending',
      attempts: 0,
      createdAt: T0,
    });
    // Not due: the webhook handler makes it due when the current webhook settles.
    expect((await redirects())[0]?.runAt).toBeNull();
  });

  it('defaults to POST and keeps absolute URLs', async () => {
    await answer(twiml((r) => r.redirect('https://other.example.com/t')));
    expect((await redirects())[0]).toMatchObject({
      url: 'https://other.example.com/t',
      method: 'POST',
    });
  });

  it('stops following past maxRedirects with 14106', async () => {
    await inboundWebhook(REDIRECT_KIND);
    await inboundWebhook(REDIRECT_KIND);
    const out = await answer(
      twiml((r) => r.redirect('/again')),
      'text/xml',
      { maxRedirects: 2 },
    );
    expect(out?.error).toMatch(/^14106: Document retrieval limit reached: 3 TwiML documents/);
    expect(await redirects()).toHaveLength(2);
  });

  it('allows 49 redirects by default (Twilio’s 50-document limit)', async () => {
    for (let i = 0; i < 48; i++) await inboundWebhook(REDIRECT_KIND);
    expect(await answer(twiml((r) => r.redirect('/more')))).toEqual({});
    expect(await answer(twiml((r) => r.redirect('/more')))).toEqual({
      error: expect.stringMatching(/^14106: /),
    });
  });

  it('refuses a redirect to a non-http URL with 11100', async () => {
    const out = await answer(twiml((r) => r.redirect('javascript:alert(1)')));
    expect(out?.error).toMatch(/^11100: /);
    expect(await redirects()).toEqual([]);
  });
});

/** A TwiML app on 127.0.0.1 that validates signatures like `twilio.webhook()` and records hits. */
async function twimlApp(routes: Record<string, (hit: number) => { type: string; body: string }>) {
  const hits: Array<{ path: string; method: string; valid: boolean; params: URLSearchParams }> = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { port } = server.address() as AddressInfo;
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const post = req.method === 'POST';
      const params = post
        ? new URLSearchParams(Buffer.concat(chunks).toString())
        : url.searchParams;
      const valid = twilio.validateRequest(
        TOKEN,
        String(req.headers['x-twilio-signature'] ?? ''),
        url.href,
        post ? Object.fromEntries(params) : {},
      );
      hits.push({ path: url.pathname, method: req.method ?? '', valid, params });
      const route = routes[url.pathname];
      const out = route?.(hits.filter((h) => h.path === url.pathname).length);
      res.writeHead(out ? 200 : 404, { 'content-type': out?.type ?? 'text/plain' });
      res.end(out?.body ?? 'not found');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { base: `http://127.0.0.1:${port}`, hits };
}

/** Claims and sends due webhooks through the production queue until none is left. */
async function drain(deps: Partial<TwimlDeps> = {}): Promise<number> {
  const send = webhookHandler({
    store,
    clock,
    timeoutMs: 2_000,
    onResponse: twimlResponseHandler({ clock, ids: sequentialIds(500), createReply, ...deps }),
  });
  return new WebhookQueue({ store, clock, send, owner: 'test' }).runDue();
}

const xmlOf = (build: Parameters<typeof twiml>[0]) => () => ({
  type: 'text/xml',
  body: twiml(build),
});

describe('TwiML through the webhook handler', () => {
  beforeEach(async () => {
    await insertInbound();
  });

  async function sendInbound(url: string) {
    return enqueueWebhook(
      store,
      {
        accountSid: AC,
        orderKey: INBOUND_SID,
        kind: 'inbound',
        url,
        method: 'POST',
        params: PARAMS,
      },
      clock.now(),
    );
  }

  it('follows a relative <Redirect> once, signed, and sends the replies of both documents', async () => {
    const app = await twimlApp({
      '/sms': xmlOf((r) => {
        r.message('from /sms');
        r.redirect({ method: 'GET' }, 'next?step=2');
      }),
      '/next': xmlOf((r) => r.message({ action: '/status' }, 'from /next')),
    });
    await sendInbound(`${app.base}/sms`);
    await drain();

    expect(app.hits.map((h) => [h.method, h.path])).toEqual([
      ['POST', '/sms'],
      ['GET', '/next'],
    ]);
    expect(app.hits.every((h) => h.valid)).toBe(true);
    expect(app.hits[1]!.params.get('step')).toBe('2');
    expect(app.hits[1]!.params.get('MessageSid')).toBe(INBOUND_SID);
    expect(app.hits[1]!.params.get('Body')).toBe('hello');
    const sent = await replies();
    expect(sent.map((m) => [m.body, m.statusCallback])).toEqual([
      ['from /sms', null],
      ['from /next', `${app.base}/status`],
    ]);
    const attempts = await store.webhooks.attempts(INBOUND_SID);
    expect(attempts.map((a) => [a.responseStatus, a.error])).toEqual([
      [200, null],
      [200, null],
    ]);
  });

  it('bounds a redirect loop and records 14106 on the last attempt', async () => {
    const app = await twimlApp({ '/loop': xmlOf((r) => r.redirect('/loop')) });
    await sendInbound(`${app.base}/loop`);
    await drain({ maxRedirects: 3 });

    expect(app.hits).toHaveLength(4);
    const attempts = await store.webhooks.attempts(INBOUND_SID);
    expect(attempts).toHaveLength(4);
    expect(attempts.slice(0, 3).every((a) => a.error === null)).toBe(true);
    expect(attempts[3]!.error).toMatch(/^14106: /);
    expect((await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs).toBe(0);
  });

  it('records bad TwiML on the attempt and stays healthy', async () => {
    const app = await twimlApp({
      '/bad': () => ({ type: 'text/xml', body: '<Response><Message>oops</Response>' }),
    });
    await sendInbound(`${app.base}/bad`);
    await drain();
    const [a] = await store.webhooks.attempts(INBOUND_SID);
    expect(a).toMatchObject({ responseStatus: 200, error: expect.stringMatching(/^12100: /) });
    expect(await replies()).toEqual([]);
  });
});
