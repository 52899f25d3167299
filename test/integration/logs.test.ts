import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

// Issue 19: logs that tell what happened. A status callback to a closed port is a `warn` line
// per failed attempt (URL without credentials or query, the error code, the attempt, the next
// retry) and an `error` line when it is given up; LOG_REQUESTS=on is one line per request.

const T0 = Date.UTC(2024, 4, 1, 12, 0, 0);
type Line = Record<string, unknown> & { level: number; msg: string };

let t: TestServer | undefined;
afterEach(async () => {
  await t?.close();
  t = undefined;
});

/** A server whose log lines (pino JSON, debug and up) are kept, parsed, in `lines`. */
async function logged(opts: Parameters<typeof startTestServer>[0] = {}) {
  const lines: Line[] = [];
  const raw: string[] = [];
  const server = await startTestServer({
    ...opts,
    logger: {
      level: 'debug',
      stream: {
        write: (s: string) => {
          raw.push(s);
          lines.push(JSON.parse(s) as Line);
        },
      },
    },
  });
  t = server;
  await server.client.incomingPhoneNumbers.create({ phoneNumber: '+14155552345' });
  return { t: server, lines, raw };
}

/** A local port nothing listens on (a server opened there and closed again). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok));
  const { port } = s.address() as { port: number };
  await new Promise<void>((ok) => s.close(() => ok()));
  return port;
}

describe('webhook log lines', () => {
  it('a failing status callback: warn per attempt, error when given up, no secrets', async () => {
    const clock = new ManualClock(T0);
    const { t, lines, raw } = await logged({ clock, env: { WEBHOOK_RETRY_SPAN: '10s' } });
    const port = await closedPort();
    await t.client.messages.create({
      from: '+14155552345',
      to: '+14155550100',
      body: 'a body that is never logged',
      statusCallback: `http://hook:pa55word@127.0.0.1:${port}/cb?token=s3cret`,
    });
    await t.runDue();
    const warns = () => lines.filter((l) => l.level === 40 && l['subsystem'] === 'webhooks');
    expect(warns()[0]).toMatchObject({
      url: `http://127.0.0.1:${port}/cb`,
      error: 'ECONNREFUSED',
      attempt: 1,
      nextRetry: expect.stringMatching(/^2024-05-01T12:00:0\d\.\d{3}Z$/),
    });
    expect(Date.parse(warns()[0]!['nextRetry'] as string)).toBeGreaterThan(T0);
    // Onwards until the first callback is given up (10 s of retries: a few rounds).
    const gaveUp = () => lines.find((l) => l.level === 50 && l['subsystem'] === 'webhooks');
    for (let i = 0; i < 30 && !gaveUp(); i++) {
      clock.advance(5_000);
      await t.runDue();
    }
    const error = gaveUp();
    expect(error).toMatchObject({ url: `http://127.0.0.1:${port}/cb`, error: 'ECONNREFUSED' });
    expect(error!.msg).toMatch(/^webhook given up after \d+ attempts$/);
    const last = warns()
      .filter((l) => l['webhookId'] === error!['webhookId'])
      .at(-1);
    expect(last).toMatchObject({ nextRetry: 'giving up', attempt: error!['attempt'] });
    expect(last!['attempt']).toBeGreaterThan(1);
    const all = raw.join('');
    for (const secret of ['pa55word', 's3cret', 'hook:', 'a body that is never logged']) {
      expect(all).not.toContain(secret);
    }
  });

  it('a receiver answering 404 logs its HTTP status', async () => {
    const clock = new ManualClock(T0);
    const { t, lines } = await logged({ clock });
    await t.client.messages.create({
      from: '+14155552345',
      to: '+14155550100',
      body: 'x',
      statusCallback: `${t.url}/nowhere`,
    });
    await t.runDue();
    const warn = lines.find((l) => l.level === 40 && l['subsystem'] === 'webhooks');
    expect(warn).toMatchObject({ url: `${t.url}/nowhere`, status: 404, attempt: 1 });
  });
});

describe('LOG_REQUESTS', () => {
  const path = `/2010-04-01/Accounts/${MAIN_SID}/Messages/SM${'0'.repeat(32)}.json`;

  it('on: one line per request with its request id, route, path without query, status', async () => {
    const { t, lines } = await logged({ env: { LOG_REQUESTS: 'on' } });
    const r = await t.http('GET', `${path}?secret=x`);
    const id = r.headers.get('twilio-request-id');
    const mine = lines.filter((l) => l['reqId'] === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      level: 30,
      subsystem: 'http',
      msg: 'request completed',
      method: 'GET',
      route: '/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
      url: path,
      statusCode: 404,
      durationMs: expect.any(Number),
    });
  });

  it('off (the default): no line for a request', async () => {
    const { t, lines } = await logged();
    await t.http('GET', path);
    await t.http('GET', '/healthz');
    expect(lines.filter((l) => l.msg === 'request completed')).toEqual([]);
  });
});
