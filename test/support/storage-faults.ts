import { expect } from 'vitest';
import { assertTwilioError } from './openapi.js';
import { MAIN_SID, startTestServer, type RawResponse, type TestServer } from './server.js';
import { until } from './until.js';

/** The JSON lines a test server logged, as parsed objects. */
export interface LogLines {
  /** Fastify/pino logger options that write here. */
  logger: object;
  /** Every line so far. */
  all(): Array<Record<string, unknown> & { msg?: string }>;
  /** The lines whose message starts with `prefix`. */
  starting(prefix: string): Array<Record<string, unknown> & { msg?: string }>;
  /** The lines whose text (any field) holds `text`. */
  holding(text: string): string[];
}

/** A logger that keeps every line in memory (pino's JSON, `info` and up). */
export function captureLogs(): LogLines {
  const lines: string[] = [];
  const parsed = () =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown> & { msg?: string });
  return {
    logger: { level: 'info', stream: { write: (line: string) => lines.push(line) } },
    all: parsed,
    starting: (prefix) => parsed().filter((l) => l.msg?.startsWith(prefix)),
    holding: (text) => lines.filter((l) => l.includes(text)),
  };
}

export const FROM = '+14155552345';
const base = `/2010-04-01/Accounts/${MAIN_SID}`;

/** A server delivering in the background, logging to `logs`, with a number to send from. */
export async function faultServer(logs: LogLines, dir?: string): Promise<TestServer> {
  const t = await startTestServer({
    ...(dir && { dir }),
    delivery: 'auto',
    logger: logs.logger,
    // Jobs a failed write left leased are taken again soon after the store recovers.
    env: { JOB_LEASE: '2s' },
  });
  expect(
    (await t.http('POST', `${base}/IncomingPhoneNumbers.json`, { PhoneNumber: FROM })).status,
  ).toBe(201);
  return t;
}

/** `POST Messages.json`: a create that writes a message and its job. */
export const send = (t: TestServer, i: number): Promise<RawResponse> =>
  t.http('POST', `${base}/Messages.json`, { From: FROM, To: '+14155550100', Body: `m${i}` });

/** A 503 as Loft answers it while the store is unavailable: Twilio's 20503 and a retry hint. */
export function expectUnavailable(r: RawResponse): void {
  expect(r.status, r.text).toBe(503);
  assertTwilioError(r.json, 503, 20503);
  expect(r.headers.get('retry-after')).toBe('5');
}

/**
 * Sends creates until one is answered 503 (at most `max`): every answer before is a 201, whose
 * SID goes to `acked`. Returns the 503.
 */
export async function sendUntilUnavailable(
  t: TestServer,
  acked: string[],
  max = 3000,
): Promise<RawResponse> {
  for (let i = 0; i < max; i++) {
    const r = await send(t, i);
    if (r.status === 201) acked.push(r.json.sid as string);
    else return r;
  }
  throw new Error(`no create failed in ${max} attempts`);
}

/** `/healthz` and `/readyz`: their status, and the code `/healthz` reports. */
export async function health(t: TestServer) {
  const h = await fetch(`${t.url}/healthz`);
  const r = await fetch(`${t.url}/readyz`);
  const body = (await h.json()) as { status: string; error?: { code: string } };
  await r.text();
  return { healthz: h.status, readyz: r.status, body };
}

/** Waits until `/healthz` and `/readyz` both answer 200 (the write probe succeeded). */
export const recovered = (t: TestServer): Promise<true> =>
  until(async () => {
    const h = await health(t);
    return h.healthz === 200 && h.readyz === 200 ? true : undefined;
  }, 15_000);

/** Waits until every acknowledged message reached a final status; returns those it did not. */
export async function undelivered(t: TestServer, sids: readonly string[]): Promise<string[]> {
  const final = new Set(['delivered', 'undelivered', 'failed']);
  const pending = new Set(sids);
  await until(async () => {
    for (const sid of [...pending]) {
      const r = await t.http('GET', `${base}/Messages/${sid}.json`);
      if (r.status === 200 && final.has(r.json.status as string)) pending.delete(sid);
    }
    return pending.size === 0 ? true : undefined;
  }, 20_000).catch(() => undefined);
  return [...pending];
}
