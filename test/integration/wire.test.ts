import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertTwilioError } from '../support/openapi.js';
import { hostPort, rawExchange } from '../support/raw-http.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// Byte-level checks of what goes over the wire: dates, envelopes, status codes, error bodies.
let t: TestServer;
const FROM = '+14155552345';
const base = `/2010-04-01/Accounts/${MAIN_SID}`;
const RFC2822 =
  /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} \+0000$/;

beforeAll(async () => {
  t = await startTestServer();
  const r = await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: FROM });
  expect(r.status).toBe(201);
});
afterAll(() => t.close());

const send = (form: Record<string, string | string[]>) =>
  t.http('POST', `${base}/Messages.json`, { From: FROM, To: '+14155550100', ...form });

describe('message JSON', () => {
  it('create answers 201 with all 20 fields plus tags, in Twilio formats', async () => {
    const r = await send({ Body: 'hello' });
    expect(r.status).toBe(201);
    expect(Object.keys(r.json).sort()).toEqual(
      [
        'account_sid',
        'api_version',
        'body',
        'date_created',
        'date_sent',
        'date_updated',
        'direction',
        'error_code',
        'error_message',
        'from',
        'messaging_service_sid',
        'num_media',
        'num_segments',
        'price',
        'price_unit',
        'sid',
        'status',
        'subresource_uris',
        'tags',
        'to',
        'uri',
      ].sort(),
    );
    expect(r.json.date_created).toMatch(RFC2822);
    expect(r.json.date_updated).toMatch(RFC2822);
    expect(r.json.date_sent).toBeNull();
    expect(r.json.num_segments).toBe('1');
    expect(r.json.num_media).toBe('0');
    expect(r.json.error_code).toBeNull();
    expect(r.json.uri).toBe(`${base}/Messages/${r.json.sid}.json`);
    expect(r.json.tags).toEqual({});
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
  });

  it('formats dates as RFC 2822 with +0000, zero-padded', async () => {
    const r = await send({ Body: 'x' });
    const d = new Date(Date.parse(r.json.date_created.replace(' +0000', ' GMT')));
    expect(Math.abs(d.getTime() - Date.now())).toBeLessThan(60_000);
    expect(r.json.date_created.slice(5, 7)).toMatch(/^\d{2}$/);
  });

  it('error_code is an integer on the wire', async () => {
    const r = await send({ Body: 'x' });
    await t.server.store.messages.transition(
      r.json.sid,
      { status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable destination handset' },
      Date.now(),
    );
    const f = await t.http('GET', `${base}/Messages/${r.json.sid}.json`);
    expect(f.text).toContain('"error_code":30003');
  });
});

describe('malformed query string', () => {
  it("is a 400 with code 20001 in Twilio's envelope", async () => {
    const r = await t.http('GET', `${base}/Messages.json?To=%ZZ`);
    expect(r.status).toBe(400);
    expect(r.json.code).toBe(20001);
    expect(r.json.message).toMatch(/percent-encoding/);
  });
});

describe('page envelope', () => {
  it('has exactly one list key, relative URIs, inclusive end', async () => {
    for (let i = 0; i < 3; i++) await send({ Body: `p${i}` });
    const r = await t.http('GET', `${base}/Messages.json?PageSize=2`);
    expect(r.status).toBe(200);
    expect(Object.keys(r.json).sort()).toEqual(
      [
        'end',
        'first_page_uri',
        'messages',
        'next_page_uri',
        'page',
        'page_size',
        'previous_page_uri',
        'start',
        'uri',
      ].sort(),
    );
    expect(r.json.start).toBe(0);
    expect(r.json.end).toBe(1);
    expect(r.json.page).toBe(0);
    expect(r.json.page_size).toBe(2);
    expect(r.json.uri).toBe(`${base}/Messages.json?PageSize=2&Page=0`);
    expect(r.json.first_page_uri).toBe(`${base}/Messages.json?PageSize=2&Page=0`);
    expect(r.json.previous_page_uri).toBeNull();
    expect(r.json.next_page_uri).toMatch(
      new RegExp(`^${base}/Messages\\.json\\?PageSize=2&Page=1&PageToken=PA[A-Za-z0-9_-]+$`),
    );
    const next = await t.http('GET', r.json.next_page_uri);
    expect(next.json.page).toBe(1);
    expect(next.json.start).toBe(2);
    expect(next.json.end).toBe(3);
    expect(next.json.previous_page_uri).toMatch(/&Page=0&PageToken=PB/);
    const back = await t.http('GET', next.json.previous_page_uri);
    expect(back.json.messages.map((m: { sid: string }) => m.sid)).toEqual(
      r.json.messages.map((m: { sid: string }) => m.sid),
    );
  });

  it('repeats filters with percent-encoded keys', async () => {
    const r = await t.http(
      'GET',
      `${base}/Messages.json?To=%2B14155550100&From=%2B14155552345&DateSent%3E=2008-01-02&PageSize=2`,
    );
    expect(r.json.uri).toBe(
      `${base}/Messages.json?To=%2B14155550100&From=%2B14155552345&DateSent%3E=2008-01-02&PageSize=2&Page=0`,
    );
  });

  it('an empty page has start 0, end 0 and no next page', async () => {
    const r = await t.http('GET', `${base}/Messages.json?To=%2B14155550111`);
    expect(r.json).toMatchObject({ start: 0, end: 0, messages: [], next_page_uri: null });
  });

  it('PageSize is clamped to 1000; below 1 or non-numeric is a 400', async () => {
    expect((await t.http('GET', `${base}/Messages.json?PageSize=5000`)).json.page_size).toBe(1000);
    for (const bad of ['0', '-1', 'abc', '1.5']) {
      const r = await t.http('GET', `${base}/Messages.json?PageSize=${bad}`);
      expect(r.status).toBe(400);
      assertTwilioError(r.json, 400, 20001);
    }
  });

  it('an invalid PageToken is a 400, not a 500', async () => {
    const r = await t.http('GET', `${base}/Messages.json?PageToken=garbage`);
    expect(r.status).toBe(400);
    const r2 = await t.http('GET', `${base}/Messages.json?PageToken=PAbm90LWEtbnVtYmVy`);
    expect(r2.status).toBe(400);
  });
});

describe('status codes and errors', () => {
  it('fetch of an unknown SID: 404 with Twilio’s exact body', async () => {
    const sid = 'SM' + '0'.repeat(32);
    const r = await t.http('GET', `${base}/Messages/${sid}.json`);
    expect(r.status).toBe(404);
    expect(r.json).toEqual({
      code: 20404,
      message: `The requested resource ${base}/Messages/${sid}.json was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
  });

  it('delete answers 204 with an empty body', async () => {
    const m = await send({ Body: 'bye' });
    await t.server.store.messages.transition(m.json.sid, { status: 'delivered' }, Date.now());
    const r = await t.http('DELETE', `${base}/Messages/${m.json.sid}.json`);
    expect(r.status).toBe(204);
    expect(r.text).toBe('');
  });

  it('unknown routes: 404/20404 in the envelope', async () => {
    const r = await t.http('GET', '/2010-04-01/Nope.json');
    expect(r.status).toBe(404);
    assertTwilioError(r.json, 404, 20404);
  });

  it('wrong methods: 405/20004', async () => {
    const r = await t.http('PUT', `${base}/Messages.json`, { To: 'x' });
    expect(r.status).toBe(405);
    assertTwilioError(r.json, 405, 20004);
    const d = await t.http('DELETE', `${base}/Messages.json`);
    expect(d.status).toBe(405);
  });

  it('oversized bodies: 413', async () => {
    const r = await t.http('POST', `${base}/Messages.json`, { Body: 'x'.repeat(2 * 1024 * 1024) });
    expect(r.status).toBe(413);
    assertTwilioError(r.json, 413, 20001);
  });

  it('malformed percent-encoding in body, query or path: 400, and the server stays up', async () => {
    const bodyBad = await t.http('POST', `${base}/Messages.json`, 'To=%E0%A4%A&Body=%');
    expect(bodyBad.status).toBe(400);
    assertTwilioError(bodyBad.json, 400, 20001);
    const queryBad = await t.http('GET', `${base}/Messages.json?To=%ZZ`);
    expect(queryBad.status).toBe(400);
    const pathBad = await fetch(`${t.url}/2010-04-01/Accounts/%E0%A4%A/Messages.json`, {
      headers: { authorization: basic(MAIN_SID, 'x') },
    });
    expect(pathBad.status).toBeGreaterThanOrEqual(400);
    expect(pathBad.status).toBeLessThan(500);
    expect((await t.http('GET', '/healthz')).status).toBe(200);
  });

  it('NUL (%00) in a form body, a query, a path segment or a Basic username: never a 5xx', async () => {
    // PostgreSQL cannot store or look up U+0000 in text; every store answers the same.
    for (const form of ['FriendlyName=a%00b', 'To=%2B14155550100&From=%2B14155552345&Body=a%00b']) {
      for (const path of ['/Applications.json', '/Messages.json']) {
        const r = await t.http('POST', base + path, form);
        expect(r.status, `${path} ${form}`).toBe(400);
        assertTwilioError(r.json, 400, 20001);
        expect(r.json.message).toMatch(/NUL/);
      }
    }
    const query = await t.http('GET', `${base}/Messages.json?To=a%00b`);
    expect(query.status).toBe(400);
    expect(query.json.message).toMatch(/NUL/);
    for (const path of [
      `${base}/Messages/SM${'0'.repeat(32)}%00.json`,
      `${base}%00/Messages.json`,
    ]) {
      const r = await t.http('GET', path);
      expect(r.status, path).toBe(404);
      assertTwilioError(r.json, 404, 20404);
    }
    const auth = await t.http('GET', `${base}/Messages.json`, undefined, basic('a\0b', MAIN_TOKEN));
    expect(auth.status).toBe(401);
    expect((await t.http('GET', '/healthz')).status).toBe(200);
  });

  it("requests Node's parser refuses get Twilio's envelope: bad method, NUL, huge headers", async () => {
    const cases: [string, number][] = [
      ['FOO / HTTP/1.1\r\nHost: x\r\n\r\n', 400],
      [`GET ${base}/Messages.json HTTP/1.1\r\nHost: x\r\nX-Nul: a\0b\r\n\r\n`, 400],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n', 400],
      [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Huge: ${'h'.repeat(20_000)}\r\n\r\n`, 431],
    ];
    for (const [request, status] of cases) {
      const r = await rawExchange(hostPort(t.url), Buffer.from(request, 'latin1'), {
        timeoutMs: 5000,
      });
      expect(r.kind, request.slice(0, 40)).toBe('response');
      if (r.kind !== 'response') continue;
      expect(r.status).toBe(status);
      expect(r.headers['twilio-request-id']).toMatch(/^RQ[0-9a-f]{32}$/);
      assertTwilioError(JSON.parse(r.body.toString()), status, 20001);
    }
  });

  it('a JSON body on a Twilio endpoint is refused with 415, not parsed', async () => {
    const res = await fetch(`${t.url}${base}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: basic(MAIN_SID, 'b2'.repeat(16)),
        'content-type': 'application/json',
      },
      body: JSON.stringify({ To: '+14155550100' }),
    });
    expect(res.status).toBe(415);
    assertTwilioError(await res.json(), 415, 20001);
  });

  it('a form body with + for spaces (Python) and %20 (Node) both decode', async () => {
    const r = await t.http(
      'POST',
      `${base}/Messages.json`,
      'From=%2B14155552345&To=%2B14155550100&Body=a+b%20c%2Bd',
    );
    expect(r.status).toBe(201);
    expect(r.json.body).toBe('a b c+d');
  });

  it('Python sends a form Content-Type on GET lists with no body: accepted', async () => {
    const res = await fetch(`${t.url}${base}/Messages.json`, {
      headers: {
        authorization: basic(MAIN_SID, 'b2'.repeat(16)),
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expect(res.status).toBe(200);
  });
});
