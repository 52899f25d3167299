import { writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRequests, routesFromTree, type FuzzTarget } from '../support/fuzz-requests.js';
import { hostPort, openStalledSockets, rawExchange, type RawOutcome } from '../support/raw-http.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';
import { TEST_STORE } from '../support/stores.js';

// Issue 15 ("Safe to expose"): thousands of generated malformed requests over every route of the
// route table, through real sockets, must never get a 5xx, never crash the server, and leave it
// healthy with bounded memory. Every error body is Twilio's envelope.

const SEED = 15;
/**
 * 10,000 on SQLite; half on PostgreSQL, where each request costs about twice as much (the suite
 * runs both, and shares two cores).
 */
const COUNT = TEST_STORE === 'sqlite' ? 10_000 : 5_000;
const CONCURRENCY = 16;
/** Slow partial requests held open during the run. */
const STALLED = 200;
/**
 * RSS may grow this much over the run (after a GC on both sides): a native leak of 16 kB per
 * request exceeds it. RSS is the allocator's own business below that: with the V8 heap and
 * external memory level, it grew 40–97 MB over 10,000 requests (glibc arenas holding the 1 MB
 * bodies of 16 sockets), and did not level off in a run's second half. Leaks of objects and
 * Buffers are caught by the heap and external bounds below, which are much finer.
 */
const RSS_BOUND = 160 * 1024 * 1024;
/** Memory outside the V8 heap (Buffers) may grow this much after a GC: 1.6 kB per request. */
const EXTERNAL_BOUND = 16 * 1024 * 1024;
/** The V8 heap after a GC may grow this much (about 2 MB is usual): 2.4 kB per request. */
const HEAP_BOUND = 24 * 1024 * 1024;

const gc = (() => {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
})();

const memory = () => {
  gc();
  gc();
  const { rss, heapUsed, external } = process.memoryUsage();
  return { rss, heapUsed, external };
};
const mb = (n: number) => `${(n / 1048576).toFixed(1)} MB`;

let t: TestServer;
let target: FuzzTarget;
let stalled: Awaited<ReturnType<typeof openStalledSockets>> | undefined;

beforeAll(async () => {
  t = await startTestServer({ validate: false });
  const base = `/2010-04-01/Accounts/${MAIN_SID}`;
  const made = async (path: string, form: Record<string, string>): Promise<string> => {
    const r = await t.http('POST', path, form);
    expect(r.status, `${path}: ${r.text}`).toBeLessThan(300);
    return r.json.sid as string;
  };
  const number = '+14155552345';
  const pn = await made(`${base}/IncomingPhoneNumbers.json`, { PhoneNumber: number });
  const sm = await made(`${base}/Messages.json`, { To: '+14155550100', From: number, Body: 'hi' });
  const mg = await made('/v1/Services', { FriendlyName: 'fuzz' });
  const ap = await made(`${base}/Applications.json`, { FriendlyName: 'fuzz' });
  const sk = await made(`${base}/Keys.json`, { FriendlyName: 'fuzz' });
  const sub = await t.http('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'fuzz sub' });
  const rule = await fetchAsMain(`${t.url}/sim/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"match":"+1555*","outcome":"failed"}',
  });
  expect(rule.status).toBe(201);
  const tree = t.server.app.printRoutes({ commonPrefix: false });
  target = {
    // Not the live stream: a valid request's 200 never ends (its checks are console.api.test.ts;
    // its filters are the list's, fuzzed on /loft/v1/…/Messages).
    routes: routesFromTree(tree).filter((r) => !r.url.endsWith('/Messages/Stream')),
    auth: basic(MAIN_SID, MAIN_TOKEN),
    otherAuth: [
      basic(t.server.main.test.testSid, t.server.main.test.authToken),
      basic(sub.json.sid, sub.json.auth_token),
    ],
    known: {
      AC: [MAIN_SID, sub.json.sid],
      PN: [pn],
      SM: [sm],
      MG: [mg],
      AP: [ap],
      SK: [sk],
      id: [((await rule.json()) as { id: string }).id],
    },
    numbers: [number],
  };
});
afterAll(async () => {
  stalled?.close();
  await t?.close();
});

describe('fuzzing every route with malformed requests', () => {
  it('the route table is read whole', () => {
    const urls = target.routes.map((r) => r.url);
    expect(urls).toContain('/healthz');
    expect(urls).toContain('/2010-04-01/Accounts/:AccountSid/Messages.json');
    expect(urls).toContain('/v1/Services/:Sid/PhoneNumbers/:Sid');
    expect(urls).toContain('/sim/rules/:id');
    expect(urls.some((u) => u.startsWith('/loft/'))).toBe(true);
    expect(target.routes.length).toBeGreaterThan(20);
  });

  it(`${COUNT} requests: no 5xx, no crash, Twilio error bodies, healthy after, bounded RSS`, async () => {
    const to = hostPort(t.url);
    const next = fuzzRequests(target, SEED);
    const send = (req: ReturnType<typeof next>) =>
      rawExchange(to, req.bytes, { head: req.head, end: req.end, timeoutMs: 10_000 });

    // Warm-up: code paths compiled, caches and pools filled, before the baseline.
    for (let i = 0; i < 300; i++) await send(next());
    const before = memory();

    stalled = await openStalledSockets(
      to,
      STALLED,
      (i) =>
        i % 2 === 0
          ? `POST /2010-04-01/Accounts/${MAIN_SID}/Messages.json HTTP/1.1\r\nHost: x\r\nX-Slow: `
          : `POST /2010-04-01/Accounts/${MAIN_SID}/Messages.json HTTP/1.1\r\nHost: x\r\n` +
            `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100000\r\n\r\nTo=`,
      500,
    );

    const histogram = new Map<string, number>();
    const count = (key: string) => histogram.set(key, (histogram.get(key) ?? 0) + 1);
    const failures: string[] = [];
    const started = Date.now();
    let sent = 0;
    const check = (req: ReturnType<typeof next>, out: RawOutcome) => {
      if (out.kind !== 'response') {
        count(out.kind);
        // Only a request cut short, or a CONNECT, may go unanswered (see `unanswered`).
        if (!req.unanswered)
          failures.push(
            `${out.kind}: ${req.kind} ${req.bytes.subarray(0, 300).toString('latin1')}`,
          );
        return;
      }
      count(String(out.status));
      const what = `${out.status} ${req.kind} ${req.bytes.subarray(0, 300).toString('latin1')}`;
      if (out.status >= 500) failures.push(`5xx: ${what} → ${out.body.toString()}`);
      // Node itself answers an HTTP/1.1 request without Host with a bare 400 (RFC 9112 §3.2:
      // a server must), before any of Loft's code: no body, so no id to show.
      const bareNoHost =
        out.status === 400 && out.body.length === 0 && req.kind.includes('no-host');
      if (!bareNoHost && !/^RQ[0-9a-f]{32}$/.test(out.headers['twilio-request-id'] ?? '')) {
        failures.push(`no Twilio-Request-Id: ${what}`);
      }
      // The console's pages (issue 17) answer browsers in HTML, their error pages included.
      const page = req.route === '/' || req.route.startsWith('/console');
      const html = (out.headers['content-type'] ?? '').startsWith('text/html');
      if (out.status >= 300 && out.body.length > 0 && !(page && html)) {
        let body: Record<string, unknown> | undefined;
        try {
          body = JSON.parse(out.body.toString()) as Record<string, unknown>;
        } catch {
          failures.push(`not JSON: ${what} → ${out.body.subarray(0, 200).toString()}`);
          return;
        }
        const ok =
          typeof body['code'] === 'number' &&
          typeof body['message'] === 'string' &&
          typeof body['more_info'] === 'string' &&
          body['status'] === out.status;
        if (!ok) failures.push(`not Twilio's error shape: ${what} → ${out.body.toString()}`);
      }
    };
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (sent < COUNT) {
          sent++;
          const req = next();
          check(req, await send(req));
        }
      }),
    );
    const seconds = (Date.now() - started) / 1000;

    // Still answering while the slow sockets hang on.
    const health = await fetch(`${t.url}/healthz`);
    expect(health.status).toBe(200);
    const stillOpen = stalled.open();
    stalled.close();
    const after = memory();
    const grown = after.rss - before.rss;

    const statuses = [...histogram.entries()].sort(([a], [b]) => a.localeCompare(b));
    console.log(
      `fuzz (${TEST_STORE}, seed ${SEED}): ${sent} requests over ${target.routes.length} routes in ` +
        `${seconds.toFixed(1)} s with ${STALLED} stalled sockets (${stillOpen} still open); ` +
        `statuses ${statuses.map(([k, v]) => `${k}:${v}`).join(' ')}; ` +
        `RSS growth ${mb(grown)} (bound ${mb(RSS_BOUND)}), heap ${mb(after.heapUsed - before.heapUsed)} (bound ${mb(HEAP_BOUND)}), ` +
        `external ${mb(after.external - before.external)} (bound ${mb(EXTERNAL_BOUND)})`,
    );
    if (process.env['FUZZ_DUMP'])
      writeFileSync(process.env['FUZZ_DUMP'], failures.map((f) => JSON.stringify(f)).join('\n'));
    expect(failures.slice(0, 20)).toEqual([]);
    expect(sent).toBe(COUNT);
    expect(grown).toBeLessThan(RSS_BOUND);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(HEAP_BOUND);
    expect(after.external - before.external).toBeLessThan(EXTERNAL_BOUND);
    expect((await fetch(`${t.url}/healthz`)).status).toBe(200);
  }, 120_000);
});
