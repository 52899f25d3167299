import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient.js';
import { ManualClock, systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { randomIds, type Ids } from '../../src/ids.js';
import { startServer, type Server, type ServerOverrides } from '../../src/main.js';
import { assertMatchesSpec, assertTwilioError, matchOperation } from './openapi.js';
import {
  createTestDatabase,
  openPGliteWithQuery,
  postgresServerUrl,
  serverQuery,
  TEST_STORE,
  type RawQuery,
} from './stores.js';

/** The main account every test server starts with. */
export const MAIN_SID = 'AC' + 'a1'.repeat(16);
export const MAIN_TOKEN = 'b2'.repeat(16);

/** A real Loft server on a free port over a fresh store (see `TEST_STORE`), plus clients for it. */
export interface TestServer {
  server: Server;
  url: string;
  dir: string;
  /** Raw SQL on the PostgreSQL database under test; undefined on SQLite (read `dir` instead). */
  query?: RawQuery;
  /** Runs every due background job (dispatch, delivery reports, webhooks) to quiescence. */
  runDue: () => Promise<number>;
  /** The official twilio SDK, pointed at this server. */
  client: ReturnType<typeof twilio>;
  /** Raw HTTP with the main account's Basic auth; every JSON body is checked against the spec. */
  http: (
    method: string,
    path: string,
    form?: Record<string, string | string[]> | string,
    auth?: string | null,
  ) => Promise<RawResponse>;
  close(): Promise<void>;
}

/** A raw response: status, headers, text, parsed JSON (when any). */
export interface RawResponse {
  status: number;
  headers: Headers;
  text: string;
  json: any;
}

/** Basic auth header value. */
export const basic = (user: string, pass: string): string =>
  'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/**
 * `fetch` with the main account's Basic auth, as `/sim` needs credentials (headers given in
 * `init` win, so a test can pass another account's).
 */
export const fetchAsMain = (url: string, init: RequestInit = {}): Promise<Response> =>
  fetch(url, {
    ...init,
    headers: {
      authorization: basic(MAIN_SID, MAIN_TOKEN),
      ...(init.headers as Record<string, string> | undefined),
    },
  });

/** Encodes a form the way twilio-node does (repeated keys, %20 for spaces). */
export function encodeForm(form: Record<string, string | string[]>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(form)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(item)}`);
    }
  }
  return parts.join('&');
}

/** twilio-node's own HTTP client, checking every response it receives against the spec. */
class ValidatingRequestClient extends twilio.RequestClient {
  override async request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const res = await super.request<TData>(opts);
    const path = new URL(opts.uri).pathname;
    const body = res.body === undefined || res.body === '' ? '' : res.body;
    if (matchOperation(opts.method, path)?.hasMethod) {
      assertMatchesSpec(opts.method.toUpperCase(), path, res.statusCode, body, {
        requireAllProperties: true,
      });
    }
    return res;
  }
}

/** An SDK client for the given credentials, pointed at `url`; responses are spec-checked. */
export function sdkClient(url: string, user = MAIN_SID, pass = MAIN_TOKEN, accountSid?: string) {
  const client = twilio(user, pass, {
    httpClient: new ValidatingRequestClient(),
    ...(accountSid ? { accountSid } : {}),
  });
  client.api.baseUrl = url;
  return client;
}

/** Starts a server; `validate` (default on) checks every JSON body of `http` against the spec. */
export async function startTestServer(
  opts: {
    clock?: Clock;
    ids?: Ids;
    dir?: string;
    validate?: boolean;
    /** Extra environment (SIM_DELAY_MS, SIM_RULES, …). */
    env?: Record<string, string>;
    /** `manual` (default): messages stay put until `runDue()`; `auto`: runners work in the background. */
    delivery?: 'auto' | 'manual';
    /** Fastify/pino logger options (default: no logs). */
    logger?: object;
    /** Shorter HTTP timeouts or limits for this server. */
    http?: ServerOverrides['http'];
    /** Extra flags (`--host 0.0.0.0`, …). */
    argv?: string[];
    /** Builds the network carriers of CARRIERS (a fake, or the SMPP carrier at a test SMSC). */
    carrierFactory?: ServerOverrides['carrierFactory'];
  } = {},
): Promise<TestServer> {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'loft-test-'));
  // The store under test (LOFT_TEST_STORE): a SQLite file in `dir`, a fresh database on the
  // PostgreSQL server, or a fresh PGlite when there is no server.
  const pgServer = TEST_STORE === 'postgres' ? await postgresServerUrl() : undefined;
  const database = pgServer ? await createTestDatabase(pgServer) : undefined;
  const pglite = TEST_STORE === 'postgres' && !pgServer ? await openPGliteWithQuery() : undefined;
  const databaseUrl = database?.url ?? `sqlite:${join(dir, 'loft.db')}`;
  const config = loadConfig(['--port', '0', '--database-url', databaseUrl, ...(opts.argv ?? [])], {
    TWILIO_ACCOUNT_SID: MAIN_SID,
    TWILIO_AUTH_TOKEN: MAIN_TOKEN,
    SIM_DELAY_MS: '0',
    ...opts.env,
  });
  let server: Server;
  try {
    server = await startServer(config, {
      clock: opts.clock ?? systemClock,
      ids: opts.ids ?? randomIds(),
      logger: opts.logger ?? false,
      delivery: opts.delivery ?? 'manual',
      ...(pglite && { store: pglite.store }),
      ...(opts.http && { http: opts.http }),
      ...(opts.carrierFactory && { carrierFactory: opts.carrierFactory }),
    });
  } catch (e) {
    await pglite?.store.close();
    await database?.drop();
    throw e;
  }
  const url = server.url;
  const query = database ? serverQuery(database.url) : pglite?.query;
  const http: TestServer['http'] = async (method, path, form, auth) => {
    const headers: Record<string, string> = {};
    if (auth !== null) headers['authorization'] = auth ?? basic(MAIN_SID, MAIN_TOKEN);
    let body: string | undefined;
    if (form !== undefined) {
      body = typeof form === 'string' ? form : encodeForm(form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let json: unknown;
    if (text.length > 0 && (res.headers.get('content-type') ?? '').includes('json')) {
      json = JSON.parse(text);
    }
    if (opts.validate !== false) {
      if (matchOperation(method, path)?.hasMethod) {
        assertMatchesSpec(method, path, res.status, json ?? text, { requireAllProperties: true });
      } else if (res.status >= 400) {
        assertTwilioError(json, res.status, (json as { code: number }).code);
      }
    }
    return { status: res.status, headers: res.headers, text, json };
  };
  return {
    server,
    url,
    dir,
    client: sdkClient(url),
    http,
    ...(query && { query }),
    runDue: () => server.delivery.pipeline.runDue(),
    async close() {
      await server.close();
      await database?.drop();
      if (!opts.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { ManualClock };
