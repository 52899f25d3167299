import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/ids.js';
import { basic, MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

// Twilio-Request-Id (and Twilio-Request-Duration) on every response, and the same id in the
// server's log line for that request (twilio.com/blog/twilio-request-telemetry).
const RQ = /^RQ[0-9a-f]{32}$/;
let t: TestServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  t = await startTestServer({
    ids: sequentialIds(0x5000),
    env: { LOG_REQUESTS: 'on' },
    logger: { level: 'info', stream: { write: (s: string) => lines.push(JSON.parse(s)) } },
  });
});
afterAll(() => t.close());

/** The log lines that carry `id` as their request id. */
const logged = (id: string) => lines.filter((l) => l['reqId'] === id);

describe('Twilio-Request-Id', () => {
  const A = `/2010-04-01/Accounts/${MAIN_SID}`;
  const cases: Array<
    [string, string, string, Record<string, string> | string | undefined, number]
  > = [
    ['a success', 'GET', `${A}.json`, undefined, 200],
    ['a 401', 'GET', `${A}/Messages.json`, undefined, 401],
    ['a 404 (unknown route)', 'GET', '/2010-04-01/Nothing.json', undefined, 404],
    ['a 400 (create validation)', 'POST', `${A}/Messages.json`, { To: '+14155550100' }, 400],
    ['a 400 (bad URL encoding, before routing)', 'GET', `${A}/Messages.json/%zz`, undefined, 400],
    ['/sim', 'GET', '/sim/rules', undefined, 200],
    ['/v1', 'GET', '/v1/Services', undefined, 200],
    [
      '/loft (404)',
      'GET',
      `/loft/v1${A.slice('/2010-04-01'.length)}/Messages/SM${'0'.repeat(32)}/Events`,
      undefined,
      404,
    ],
    ['/healthz', 'GET', '/healthz', undefined, 200],
  ];
  it.each(cases)(
    'is on %s, with the same id in its log line',
    async (_what, method, path, form, status) => {
      const auth = status === 401 ? basic(MAIN_SID, 'wrong') : undefined;
      const r = await t.http(method, path, form, auth);
      expect(r.status).toBe(status);
      const id = r.headers.get('twilio-request-id') ?? '';
      expect(id).toMatch(RQ);
      expect(r.headers.get('twilio-request-duration')).toMatch(/^\d+\.\d{3}$/);
      const mine = logged(id);
      expect(mine.length).toBeGreaterThan(0);
      expect(mine.at(-1)).toMatchObject({ msg: 'request completed', statusCode: status, method });
    },
  );

  it('comes from the injected ids, one per request; a client-sent id is ignored', async () => {
    const headers = {
      authorization: basic(MAIN_SID, 'b2'.repeat(16)),
      'twilio-request-id': 'RQmine',
      'request-id': 'mine',
    };
    const a = await fetch(`${t.url}/healthz`, { headers });
    const b = await fetch(`${t.url}/healthz`, { headers });
    const n = parseInt(a.headers.get('twilio-request-id')!.slice(2), 16);
    expect(a.headers.get('twilio-request-id')).toMatch(RQ);
    expect(b.headers.get('twilio-request-id')).toBe('RQ' + (n + 1).toString(16).padStart(32, '0'));
  });

  it('is what the SDK sees, on success and on error', async () => {
    const http = t.client.httpClient as unknown as {
      lastResponse: { headers: Record<string, string> };
    };
    await t.client.messages.list({ limit: 1 });
    const ok = http.lastResponse.headers['twilio-request-id'] ?? '';
    expect(ok).toMatch(RQ);
    expect(logged(ok).at(-1)).toMatchObject({ statusCode: 200 });
    await expect(t.client.messages(`SM${'0'.repeat(32)}`).fetch()).rejects.toMatchObject({
      status: 404,
    });
    const failed = http.lastResponse.headers['twilio-request-id'] ?? '';
    expect(failed).toMatch(RQ);
    expect(failed).not.toBe(ok);
    expect(logged(failed).at(-1)).toMatchObject({ statusCode: 404 });
  });
});
