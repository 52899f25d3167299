import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startWorker } from '../../src/main.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  ManualClock,
  startTestServer,
  type TestServer,
} from '../support/server.js';
import { parseMetrics, series, valueOf, type Sample } from '../support/prometheus.js';
import { addSimRule, buyNumber } from '../support/fixtures.js';
import { openTestStore, postgresBackend, TEST_STORE } from '../support/stores.js';

// /metrics after a scripted run, on the store under test: exact counts of messages created,
// status transitions, webhook attempts by outcome, HTTP requests by route; the queue as it
// stands; the engine's own figures; and who may read it.

const FROM = '+14155552345';
const UNREACHABLE = '+14155550199'; // the /sim rule's number: undelivered 30003
const clock = new ManualClock(Date.UTC(2025, 2, 3, 4, 5, 6));
let t: TestServer;
let receiver: Server;
let ok = '';
let failing = '';
let closed = '';

async function scrape(url: string, headers: Record<string, string> = {}): Promise<Sample[]> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  return parseMetrics(await res.text());
}

beforeAll(async () => {
  receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(req.url === '/fail' ? 500 : 200).end('ok'));
  });
  await new Promise<void>((done) => receiver.listen(0, '127.0.0.1', done));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  ok = `${base}/ok`;
  failing = `${base}/fail`;
  // A port nothing listens on: a network error (11205).
  const gone = createServer();
  await new Promise<void>((done) => gone.listen(0, '127.0.0.1', done));
  closed = `http://127.0.0.1:${(gone.address() as AddressInfo).port}/gone`;
  await new Promise((done) => gone.close(done));

  t = await startTestServer({ clock });
  await buyNumber(t, FROM);
  await addSimRule(t, { match: UNREACHABLE, outcome: 'undelivered:30003' });
});
afterAll(async () => {
  await t?.close();
  await new Promise((done) => receiver.close(done));
});

describe('/metrics after a scripted run', () => {
  let samples: Sample[];
  beforeAll(async () => {
    const send = (to: string, statusCallback: string) =>
      t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, {
        From: FROM,
        To: to,
        Body: 'metrics',
        StatusCallback: statusCallback,
      });
    // Five messages: four delivered, one undelivered. Callbacks (sending, sent, final status):
    // three answered 200 for each of #1, #2 and #4; #3's first one finds no server, #5's first
    // one gets a 500 (each then waits for a retry the stopped clock never reaches).
    for (const [to, cb] of [
      ['+14155550101', ok],
      ['+14155550102', ok],
      ['+14155550103', closed],
      [UNREACHABLE, ok],
      ['+14155550105', failing],
    ] as const) {
      expect((await send(to, cb)).status).toBe(201);
    }
    await t.runDue();
    expect((await t.http('GET', '/no/such/path')).status).toBe(404);
    samples = await scrape(t.url);
  });

  it('counts messages created by direction and initial status', () => {
    expect(series(samples, 'loft_messages_created_total')).toEqual({
      'direction=outbound-api,status=queued': 5,
    });
  });

  it('counts status transitions by status and error code', () => {
    expect(series(samples, 'loft_message_status_transitions_total')).toEqual({
      'to=sending': 5,
      'to=sent': 5,
      'to=delivered': 4,
      'error_code=30003,to=undelivered': 1,
    });
  });

  it('counts webhook attempts by outcome, with their latency, and finished webhooks', () => {
    expect(series(samples, 'loft_webhook_attempts_total')).toEqual({
      'outcome=success': 9,
      'outcome=http_error': 1,
      'outcome=network_error': 1,
    });
    for (const [outcome, n] of [
      ['success', 9],
      ['http_error', 1],
      ['network_error', 1],
    ] as const) {
      expect(valueOf(samples, 'loft_webhook_attempt_duration_seconds_count', { outcome })).toBe(n);
      expect(
        valueOf(samples, 'loft_webhook_attempt_duration_seconds_bucket', { outcome, le: '+Inf' }),
      ).toBe(n);
    }
    expect(series(samples, 'loft_webhooks_finished_total')).toEqual({ 'status=delivered': 9 });
  });

  it('observes HTTP requests by route template, method and status', () => {
    const count = (route: string, method: string, status: string) =>
      valueOf(samples, 'loft_http_request_duration_seconds_count', { route, method, status });
    expect(count('/2010-04-01/Accounts/:AccountSid/Messages.json', 'POST', '201')).toBe(5);
    expect(count('/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json', 'POST', '201')).toBe(
      1,
    );
    expect(count('/sim/rules', 'POST', '201')).toBe(1);
    // Unmatched paths share one series (no path in a label).
    expect(count('unmatched', 'GET', '404')).toBe(1);
    expect(samples.some((s) => s.labels['route']?.includes('/no/such'))).toBe(false);
  });

  it('reports the queue at scrape time: two callbacks wait for their retry', async () => {
    expect(valueOf(samples, 'loft_queue_jobs', { kind: 'webhook' })).toBe(2);
    // Not due while the clock stands still; once it passes their retry time (a first retry comes
    // 1 s plus up to 0.5 s of jitter after the failure: webhooks.retry.ts), they are, and their age shows.
    expect(valueOf(samples, 'loft_queue_oldest_due_age_seconds', { kind: 'webhook' })).toBe(0);
    clock.advance(3_000);
    const later = await scrape(t.url);
    const age = valueOf(later, 'loft_queue_oldest_due_age_seconds', { kind: 'webhook' });
    expect(age).toBeGreaterThanOrEqual(1.5);
    expect(age).toBeLessThanOrEqual(2);
    clock.advance(-3_000);
  });

  it("reports the engine's figures: the pool on PostgreSQL, the WAL size on SQLite", async () => {
    if (TEST_STORE === 'sqlite') {
      expect(valueOf(samples, 'loft_store_wal_bytes')).toBeGreaterThanOrEqual(0);
      expect(series(samples, 'loft_store_pool_connections')).toEqual({});
    } else if ((await postgresBackend()) === 'server') {
      const inUse = valueOf(samples, 'loft_store_pool_connections', { state: 'in_use' });
      const idle = valueOf(samples, 'loft_store_pool_connections', { state: 'idle' });
      expect(inUse! + idle!).toBeGreaterThanOrEqual(1);
      expect(valueOf(samples, 'loft_store_pool_waiting')).toBe(0);
      expect(valueOf(samples, 'loft_store_wal_bytes')).toBeUndefined();
    }
  });

  it('includes the process and event-loop series', () => {
    for (const name of [
      'process_cpu_user_seconds_total',
      'process_resident_memory_bytes',
      'nodejs_eventloop_lag_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(
        samples.some((s) => s.name === name),
        name,
      ).toBe(true);
    }
  });

  it('is per server: a second server counts only its own requests', async () => {
    const other = await startTestServer();
    try {
      const fresh = await scrape(other.url);
      expect(series(fresh, 'loft_messages_created_total')).toEqual({});
      expect(
        valueOf(fresh, 'loft_http_request_duration_seconds_count', {
          route: '/metrics',
          method: 'GET',
          status: '200',
        }),
      ).toBeUndefined();
    } finally {
      await other.close();
    }
  });
});

describe('/livez', () => {
  it('answers 200 without credentials', async () => {
    const res = await fetch(`${t.url}/livez`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});

describe('/readyz and the workers', () => {
  it('answers 503 naming the workers once they stop, 200 while they run', async () => {
    const s = await startTestServer({ delivery: 'auto' });
    try {
      const ready = await fetch(`${s.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({ status: 'ready', migrations: 'applied' });
      await s.server.delivery.pipeline.stop();
      const stopped = await fetch(`${s.url}/readyz`);
      expect(stopped.status).toBe(503);
      expect(await stopped.json()).toMatchObject({
        status: 'not_ready',
        error: { kind: 'workers', code: 'WORKERS_NOT_RUNNING' },
      });
      // /healthz is about the store only, as before.
      expect((await fetch(`${s.url}/healthz`)).status).toBe(200);
      s.server.delivery.pipeline.start();
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('an API-only process (WORKERS=off) is ready without workers', async () => {
    const s = await startTestServer({ delivery: 'auto', env: { WORKERS: 'off' } });
    try {
      expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });
});

describe('access to /metrics', () => {
  const TOKEN = 'm'.repeat(12) + '-secret-token';

  it('with METRICS_TOKEN: the bearer token is required, from loopback too', async () => {
    const s = await startTestServer({ env: { METRICS_TOKEN: TOKEN } });
    try {
      for (const headers of [
        {} as Record<string, string>,
        { authorization: 'Bearer wrong-token-of-some-length' },
        { authorization: basic(MAIN_SID, MAIN_TOKEN) },
        { authorization: `Basic ${TOKEN}` },
      ]) {
        const res = await fetch(`${s.url}/metrics`, { headers });
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer realm="loft"');
        expect(await res.json()).toMatchObject({ code: 20003, status: 401 });
      }
      const good = await scrape(s.url, { authorization: `Bearer ${TOKEN}` });
      expect(good.some((x) => x.name === 'loft_queue_jobs')).toBe(true);
      // From elsewhere too, with the token.
      const remote = await s.server.app.inject({
        method: 'GET',
        url: '/metrics',
        remoteAddress: '10.1.2.3',
        headers: { authorization: `bearer ${TOKEN}` },
      });
      expect(remote.statusCode).toBe(200);
      expect((await fetch(`${s.url}/livez`)).status).toBe(200);
    } finally {
      await s.close();
    }
  });

  it('without a token: loopback clients only; others get 403 (and a warning at start)', async () => {
    const warnings: string[] = [];
    const s = await startTestServer({
      argv: ['--host', '0.0.0.0'],
      logger: {
        level: 'warn',
        stream: { write: (line: string) => warnings.push(line) },
      },
    });
    try {
      expect(warnings.some((w) => w.includes('METRICS_TOKEN is unset'))).toBe(true);
      await scrape(`http://127.0.0.1:${new URL(s.url).port}`);
      // A client elsewhere on the network (the socket's peer address is what counts).
      for (const remoteAddress of ['10.1.2.3', '::ffff:192.168.0.9', '2001:db8::1']) {
        const res = await s.server.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toMatchObject({ code: 20403, status: 403 });
      }
      for (const remoteAddress of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) {
        const res = await s.server.app.inject({ method: 'GET', url: '/metrics', remoteAddress });
        expect(res.statusCode).toBe(200);
      }
    } finally {
      await s.close();
    }
  });

  it('refuses a METRICS_TOKEN shorter than 16 characters at start-up', () => {
    expect(() => loadConfig([], { METRICS_TOKEN: 'short' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig(['--metrics-port', 'x'], {})).toThrow(/METRICS_PORT/);
  });
});

describe('loft worker on METRICS_PORT', () => {
  it('serves /metrics and /livez (and nothing else), with its own queue', async () => {
    const config = loadConfig(['--metrics-port', '0', '--database-url', 'sqlite::memory:'], {
      SIM_DELAY_MS: '0',
    });
    // A store of the kind under test, the worker's own.
    const worker = await startWorker(config, { clock, store: await openTestStore() });
    try {
      const url = worker.metricsServer!.url;
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${url}/livez`)).status).toBe(200);
      const samples = await scrape(url);
      // The retention sweep every worker schedules, due now (the clock stands still).
      expect(valueOf(samples, 'loft_queue_jobs', { kind: 'retention' })).toBe(1);
      expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
      expect((await fetch(`${url}/2010-04-01/Accounts.json`)).status).toBe(404);
    } finally {
      await worker.close();
    }
  });

  it('serves nothing without METRICS_PORT', async () => {
    const config = loadConfig(['--database-url', 'sqlite::memory:'], {});
    const worker = await startWorker(config, { clock, store: await openTestStore() });
    await worker.close();
    expect(worker.metricsServer).toBeUndefined();
  });
});
