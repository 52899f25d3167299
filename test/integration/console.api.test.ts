import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LiveFeed, STREAM_LIMITS } from '../../src/loft/loft.stream.js';
import { signature } from '../../src/webhooks/signature.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';
import { startApp } from '../support/browser.js';
import { messageRecord } from '../support/records.js';
import { until } from '../support/until.js';

// The /loft/v1 reads the console is built on, and the console's HTTP edges (sign-in, cookie,
// CSRF, assets), without a browser: both stores.
const FROM = '+15017122661';
const MAIN = basic(MAIN_SID, MAIN_TOKEN);
let t: TestServer;
let app: Awaited<ReturnType<typeof startApp>>;
const loft = (path: string) => `/loft/v1/Accounts/${MAIN_SID}${path}`;

beforeAll(async () => {
  [t, app] = await Promise.all([startTestServer(), startApp(() => ({ status: 500, body: 'no' }))]);
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t?.close();
  await app?.close();
});

/** Server-Sent Events of a response, as `{event, data}`. */
async function* events(res: Response): AsyncGenerator<{ event: string; data: string }> {
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buf = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buf += value;
    for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
      const ev = { event: 'message', data: '' };
      for (const line of buf.slice(0, i).split('\n')) {
        if (line.startsWith('event: ')) ev.event = line.slice(7);
        else if (line.startsWith('data: ')) ev.data += line.slice(6);
      }
      buf = buf.slice(i + 2);
      yield ev;
    }
  }
}

describe('GET /loft/v1/Accounts/{AC}/Messages', () => {
  it('is the API list (same page) plus live_token when no console filter is given', async () => {
    await t.client.messages.create({ from: FROM, to: '+14155550100', body: 'one' });
    await t.client.messages.create({ from: FROM, to: '+14155550101', body: 'two' });
    const api = await t.http('GET', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json?PageSize=1`);
    const ours = await t.http('GET', `${loft('/Messages')}?PageSize=1`);
    expect(ours.status).toBe(200);
    expect(ours.json.messages).toEqual(api.json.messages);
    expect(ours.json.next_page_uri).toContain('/loft/v1/');
    expect(ours.json.next_page_uri).toContain(
      new URL('x:' + api.json.next_page_uri).searchParams.get('PageToken'),
    );
    expect(ours.json.live_token).toMatch(/^PB/);
  });

  it('filters by Status, Direction and Body, paging forward by keyset', async () => {
    await t.client.messages.create({ from: FROM, to: '+14155550102', body: 'An APPLE a day' });
    await t.client.messages.create({ from: FROM, to: '+14155550103', body: 'apple pie' });
    await t.runDue();
    const handset = await fetch(`${t.url}/sim/handsets/%2B14155550104/messages`, {
      method: 'POST',
      headers: { authorization: MAIN, 'content-type': 'application/json' },
      body: JSON.stringify({ to: FROM, body: 'an apple from a handset' }),
    });
    expect(handset.status).toBe(201);
    const bodies = async (q: string) =>
      ((await t.http('GET', `${loft('/Messages')}?${q}`)).json.messages as { body: string }[]).map(
        (m) => m.body,
      );
    expect(await bodies('Body=apple')).toEqual([
      'an apple from a handset',
      'apple pie',
      'An APPLE a day',
    ]);
    expect(await bodies('Body=apple&Direction=inbound')).toEqual(['an apple from a handset']);
    expect(await bodies('Body=apple&Direction=outbound&Status=delivered')).toEqual([
      'apple pie',
      'An APPLE a day',
    ]);
    expect(await bodies('Status=received,failed')).toEqual(['an apple from a handset']);
    // Page by page, by the page's own next_page_uri.
    const seen: string[] = [];
    let next: string | null = `${loft('/Messages')}?Body=apple&PageSize=1`;
    while (next) {
      const page = await t.http('GET', next);
      seen.push(...(page.json.messages as { body: string }[]).map((m) => m.body));
      next = page.json.next_page_uri;
    }
    expect(seen).toEqual(['an apple from a handset', 'apple pie', 'An APPLE a day']);
    const bad = await t.http('GET', `${loft('/Messages')}?Status=lost`);
    expect([bad.status, bad.json.code]).toEqual([400, 20001]);
    expect((await t.http('GET', loft('/Messages'), undefined, null)).status).toBe(401);
  });
});

describe('GET /loft/v1/Accounts/{AC}/Messages/Stream', () => {
  it('sends new messages, then their status changes, as Server-Sent Events', async () => {
    const page = await t.http('GET', loft('/Messages'));
    const abort = new AbortController();
    const res = await fetch(`${t.url}${loft('/Messages/Stream')}?After=${page.json.live_token}`, {
      headers: { authorization: MAIN },
      signal: abort.signal,
    });
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const stream = events(res);
    expect((await stream.next()).value?.event).toBe('ready');
    const m = await t.client.messages.create({ from: FROM, to: '+14155550110', body: 'live' });
    let update = JSON.parse((await stream.next()).value!.data);
    expect(update.new_count).toBe(1);
    expect(update.messages.map((x: { sid: string }) => x.sid)).toEqual([m.sid]);
    expect(update.messages[0].status).toBe('queued');
    await t.runDue();
    const statuses: string[] = [];
    while (!statuses.includes('delivered')) {
      update = JSON.parse((await stream.next()).value!.data);
      expect(update.new_count).toBe(0);
      statuses.push(...update.changed.map((x: { status: string }) => x.status));
    }
    abort.abort();
  });

  it('counts instead of sending when more arrived than an event carries, and counts each once', async () => {
    const store = t.server.store;
    const insert = (n: number) =>
      store.messages.insertMany(
        Array.from({ length: n }, () => ({
          message: messageRecord(MAIN_SID, { status: 'delivered' }),
        })),
      );
    // Without and with the look-back for late commits (several writers): the same counts.
    for (const lateCommits of [false, true]) {
      const [newest] = await store.messages.list(
        { accountSid: MAIN_SID, tags: [] },
        { limit: 1, direction: 'after' },
      );
      const limits = { ...STREAM_LIMITS, maxSent: 5, chunk: 3, lookbackMs: 60_000 };
      const feed = new LiveFeed(
        store,
        { accountSid: MAIN_SID, tags: [] },
        undefined,
        newest!.seq,
        lateCommits,
        limits,
      );
      await insert(8);
      expect(await feed.read(Date.now())).toMatchObject({ new_count: 8, messages: [] });
      await insert(3);
      const small = await feed.read(Date.now());
      expect(small?.new_count).toBe(3);
      expect(small?.messages).toHaveLength(3);
      // Read again inside and after the look-back window: nothing is new twice.
      expect(await feed.read(Date.now())).toBeUndefined();
      expect(await feed.read(Date.now() + 120_000)).toBeUndefined();
      await insert(1);
      expect((await feed.read(Date.now() + 120_000))?.new_count).toBe(1);
    }
  });

  it('finds a message committed after a newer one was read, and counts nothing twice', async () => {
    const store = t.server.store;
    const [newest] = await store.messages.list(
      { accountSid: MAIN_SID, tags: [] },
      { limit: 1, direction: 'after' },
    );
    const stored = await store.messages.insertMany(
      ['a', 'b', 'c'].map((body) => ({ message: messageRecord(MAIN_SID, { body }) })),
    );
    // b's transaction "commits late": reads do not see it until it does.
    const late = stored[1]!.message.sid;
    let committed = false;
    const view = {
      messages: {
        list: async (...args: Parameters<typeof store.messages.list>) =>
          (await store.messages.list(...args)).filter((m) => committed || m.sid !== late),
        findManyBySid: store.messages.findManyBySid.bind(store.messages),
      },
    } as unknown as typeof store;
    const feed = new LiveFeed(
      view,
      { accountSid: MAIN_SID, tags: [] },
      undefined,
      newest?.seq ?? 0,
      true,
      {
        ...STREAM_LIMITS,
        lookbackMs: 5_000,
      },
    );
    const T = Date.now();
    const bodies = (u: Awaited<ReturnType<LiveFeed['read']>>) =>
      (u?.messages as { body: string }[] | undefined)?.map((m) => m.body);
    expect(bodies(await feed.read(T))).toEqual(['c', 'a']);
    committed = true;
    expect(bodies(await feed.read(T + 1_000))).toEqual(['b']);
    // Inside the second read's look-back (it started from c), then past every look-back.
    expect(await feed.read(T + 5_500)).toBeUndefined();
    expect(await feed.read(T + 20_000)).toBeUndefined();
  });

  it("answers each kind of caller as the API's other account reads do", async () => {
    // The authorization matrix (auth.matrix.test.ts) cannot read a 200 that never ends.
    const sub = await t.client.api.v2010.accounts.create({ friendlyName: 'S' });
    const sibling = await t.client.api.v2010.accounts.create({ friendlyName: 'S2' });
    const key = await t.client.newKeys.create({ friendlyName: 'k' });
    const test = (await t.http('GET', `/loft/v1/Accounts/${sub.sid}/TestCredentials`)).json;
    const callers: [string, string | undefined][] = [
      ['main', MAIN],
      ['sub', basic(sub.sid, sub.authToken)],
      ['sibling', basic(sibling.sid, sibling.authToken)],
      ['key', basic(key.sid, key.secret)],
      ['wrong', basic(sub.sid, 'x'.repeat(32))],
      ['unknown', basic('AC' + 'f'.repeat(32), 'x')],
      ['none', undefined],
      ['test', basic(test.test_account_sid, test.test_auth_token)],
    ];
    const got: string[] = [];
    for (const [who, authorization] of callers) {
      const abort = new AbortController();
      const res = await fetch(`${t.url}/loft/v1/Accounts/${sub.sid}/Messages/Stream`, {
        headers: authorization ? { authorization } : {},
        signal: abort.signal,
      });
      const code = res.status === 200 ? '' : `/${((await res.json()) as { code: number }).code}`;
      abort.abort();
      got.push(`${who} ${res.status}${code}`);
    }
    expect(got).toEqual([
      'main 200',
      'sub 200',
      'sibling 401/20003',
      'key 200',
      'wrong 401/20003',
      'unknown 401/20003',
      'none 401/20003',
      'test 403/20008',
    ]);
  });

  it('refuses DateSent filters', async () => {
    const dated = await fetch(`${t.url}${loft('/Messages/Stream')}?DateSent=2024-01-01`, {
      headers: { authorization: MAIN },
    });
    expect(dated.status).toBe(400);
  });
});

describe('Overview, Handsets and webhook signatures', () => {
  it('counts the last hour by minute and status, ranks error codes and lists failed callbacks with their signature', async () => {
    const rule = await fetch(`${t.url}/sim/rules`, {
      method: 'POST',
      headers: { authorization: MAIN, 'content-type': 'application/json' },
      body: JSON.stringify({ match: '+14155550177', outcome: 'undelivered:30003' }),
    });
    expect(rule.status).toBe(201);
    const failed = await t.client.messages.create({
      from: FROM,
      to: '+14155550177',
      body: 'x',
      statusCallback: `${app.url}/cb`,
    });
    await t.client.messages.create({ from: FROM, to: '+14155550177', body: 'y' });
    await t.runDue();
    await until(() => (app.received.length > 0 ? true : undefined));
    const o = (await t.http('GET', loft('/Overview'))).json;
    // Every message of the last hour (the feed test stored some dated 2025: not counted).
    const all = (await t.http('GET', `${loft('/Messages')}?PageSize=1000`)).json.messages.filter(
      (m: { date_created: string }) => Date.parse(m.date_created) > Date.now() - 3_600_000,
    ).length;
    const charted = o.per_minute.reduce(
      (n: number, b: { counts: Record<string, number> }) =>
        n + Object.values(b.counts).reduce((a, c) => a + c, 0),
      0,
    );
    expect(o.messages).toBe(all);
    expect(charted).toBe(all);
    expect(o.per_minute).toHaveLength(60);
    expect(o.error_codes[0]).toMatchObject({ error_code: 30003, count: 2 });
    expect(o.webhooks.failures).toBeGreaterThan(0);
    expect(o.webhooks.recent_failures[0]).toMatchObject({
      message_sid: failed.sid,
      response_status: 500,
    });

    const attempts = (await t.http('GET', loft(`/Messages/${failed.sid}/WebhookAttempts`))).json;
    const first = attempts.attempts[0];
    const received = app.received[0]!;
    expect(first.signature).toBe(received.headers['x-twilio-signature']);
    expect(first.signature).toBe(
      signature(MAIN_TOKEN, first.url, Object.fromEntries(received.form)),
    );

    const h = (await t.http('GET', loft('/Handsets'))).json.handsets as { handset: string }[];
    expect(h.map((x) => x.handset)).toEqual(
      expect.arrayContaining(['+14155550177', '+14155550104']),
    );
    expect(h[0]!.handset).toBe('+14155550177');
  });
});

describe('console HTTP edges', () => {
  it('redirects / to the console, and the console to sign-in', async () => {
    const root = await fetch(`${t.url}/`, { redirect: 'manual' });
    expect([root.status, root.headers.get('location')]).toEqual([302, '/console']);
    const c = await fetch(`${t.url}/console`, { redirect: 'manual' });
    expect(c.headers.get('location')).toBe('/console/signin');
    const page = await fetch(`${t.url}/console/signin`);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html).toContain('<label for="username">Account SID</label>');
    expect(html).toContain('<label for="password">Auth Token</label>');
  });

  it('refuses a sign-in without the form token of its own cookie (login CSRF)', async () => {
    const res = await fetch(`${t.url}/console/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username: MAIN_SID, password: MAIN_TOKEN, csrf: 'x' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie().some((c) => c.startsWith('loft_session=v1'))).toBe(false);
  });

  it('signs in with an API key, and a forged or altered cookie reaches nothing', async () => {
    const key = await t.client.newKeys.create({ friendlyName: 'console' });
    const form = await fetch(`${t.url}/console/signin`);
    const nonce = form.headers.getSetCookie()[0]!.split(';')[0]!;
    const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1]!;
    const signin = await fetch(`${t.url}/console/signin`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: nonce },
      body: new URLSearchParams({ username: key.sid, password: key.secret, csrf }).toString(),
      redirect: 'manual',
    });
    expect(signin.status).toBe(303);
    expect(signin.headers.get('location')).toBe(`/console/${MAIN_SID}/messages`);
    const session = signin.headers.getSetCookie().find((c) => c.startsWith('loft_session='))!;
    const value = session.split(';')[0]!.slice('loft_session='.length);
    const list = `${t.url}/2010-04-01/Accounts/${MAIN_SID}/Messages.json`;
    expect((await fetch(list, { headers: { cookie: `loft_session=${value}` } })).status).toBe(200);
    // As an API key: no Accounts management, like the key itself.
    const accounts = await fetch(`${t.url}/2010-04-01/Accounts.json`, {
      headers: { cookie: `loft_session=${value}` },
    });
    expect(accounts.status).toBe(401);
    // One character of the sealed part changed (to one it is not: a blind swap to 'A' or 'B' left
    // the cookie unchanged when that character already was the one swapped in).
    const changed = value.at(-2) === 'A' ? 'B' : 'A';
    const flipped = value.slice(0, -2) + changed + value.slice(-1);
    expect(flipped).not.toBe(value);
    expect((await fetch(list, { headers: { cookie: `loft_session=${flipped}` } })).status).toBe(
      401,
    );
    // The key deleted: its session ends with it.
    await t.client.keys(key.sid).remove();
    expect((await fetch(list, { headers: { cookie: `loft_session=${value}` } })).status).toBe(401);
  });

  it('serves the stylesheet and scripts, nothing else', async () => {
    const css = await fetch(`${t.url}/console/assets/console.css`);
    expect(css.headers.get('content-type')).toContain('text/css');
    const js = await fetch(`${t.url}/console/assets/main.js`);
    expect(js.status).toBe(200);
    expect(await js.text()).toMatch(/import\(["']\.\/messages\.js["']\)/);
    for (const bad of ['../console.routes.js', 'nope.js', 'tsconfig.json']) {
      expect((await fetch(`${t.url}/console/assets/${encodeURIComponent(bad)}`)).status).toBe(404);
    }
  });
});
