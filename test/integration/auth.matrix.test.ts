import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// The authorization matrix: every API route of the route table (all but /sim and /healthz), every
// kind of caller, one exact answer each. The path's account is the subaccount A; "sub" is A's own
// credentials, "sibling" another subaccount's, "key" the main account's API key, "test" A's test
// credentials. A route added without a row here fails the first test.

const CALLERS = ['main', 'sub', 'sibling', 'key', 'wrong', 'unknown', 'none', 'test'] as const;
type Caller = (typeof CALLERS)[number];
/** A status, or a status with its Twilio error code. */
type Cell = number | readonly [number, number];
type Method = 'GET' | 'POST' | 'DELETE';

const U = [401, 20003] as const; // twilio.com/docs/api/errors/20003
const T = [403, 20008] as const; // twilio.com/docs/api/errors/20008 (test credentials)
const NF = [404, 20404] as const;
const NA = [405, 20004] as const;
const X405: Cell[] = [NA, NA, NA, NA, NA, NA, NA, NA];

/** The fixture every row's path and form are built from. */
interface Fx {
  sub: { sid: string; token: string };
  sibling: { sid: string; token: string };
  key: { sid: string; secret: string };
  test: { sid: string; token: string };
  number: string; // A's PN
  phone: string; // its E.164
  message: string; // A's finished SM
  app: string; // A's AP
  subKey: string; // A's SK
  service: string; // A's MG (A's own credentials made it)
  poolNumber: string; // A's PN in that service's pool
  fresh: {
    message(): Promise<string>;
    number(): Promise<string>;
    key(): Promise<string>;
    app(): Promise<string>;
    service(): Promise<string>;
    pooled(): Promise<[string, string]>;
  };
}

interface Row {
  method: Method;
  route: string;
  /** The request path for one cell (may create a resource for it to act on). */
  path: (f: Fx) => string | Promise<string>;
  form?: (f: Fx) => Record<string, string>;
  /** main, sub, sibling, key, wrong, unknown, none, test */
  expect: Cell[];
}

const A = (f: Fx) => `/2010-04-01/Accounts/${f.sub.sid}`;
const ME = 'ME' + '0'.repeat(32);

const ROWS: Row[] = [
  // Accounts: account credentials only (keys 401); a subaccount has no subaccounts (21101).
  {
    method: 'GET',
    route: '/2010-04-01/Accounts.json',
    path: () => '/2010-04-01/Accounts.json',
    expect: [200, 200, 200, U, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts.json',
    path: () => '/2010-04-01/Accounts.json',
    form: () => ({ FriendlyName: 'matrix' }),
    expect: [201, [400, 21101], [400, 21101], U, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts.json',
    path: () => '/2010-04-01/Accounts.json',
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:Sid.json',
    path: (f) => `${A(f)}.json`,
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:Sid.json',
    path: (f) => `${A(f)}.json`,
    form: () => ({ FriendlyName: 'renamed' }),
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:Sid.json',
    path: (f) => `${A(f)}.json`,
    expect: X405,
  },
  // Keys: account credentials only.
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Keys.json',
    path: (f) => `${A(f)}/Keys.json`,
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Keys.json',
    path: (f) => `${A(f)}/Keys.json`,
    form: () => ({ FriendlyName: 'k' }),
    expect: [201, 201, U, U, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Keys.json',
    path: (f) => `${A(f)}/Keys.json`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json',
    path: (f) => `${A(f)}/Keys/${f.subKey}.json`,
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json',
    path: (f) => `${A(f)}/Keys/${f.subKey}.json`,
    form: () => ({ FriendlyName: 'k2' }),
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json',
    path: async (f) => `${A(f)}/Keys/${await f.fresh.key()}.json`,
    expect: [204, 204, U, U, U, U, U, T],
  },
  // IncomingPhoneNumbers.
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers.json`,
    form: () => ({ AreaCode: '415' }),
    expect: [201, 201, U, 201, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers.json`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers/${f.number}.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers/${f.number}.json`,
    form: () => ({ FriendlyName: 'n' }),
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json',
    path: async (f) => `${A(f)}/IncomingPhoneNumbers/${await f.fresh.number()}.json`,
    expect: [204, 204, U, 204, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid/OptOutReplies.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers/${f.number}/OptOutReplies.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid/OptOutReplies.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers/${f.number}/OptOutReplies.json`,
    form: () => ({ HelpReply: 'help' }),
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid/OptOutReplies.json',
    path: (f) => `${A(f)}/IncomingPhoneNumbers/${f.number}/OptOutReplies.json`,
    expect: X405,
  },
  // Messages: test credentials create only on their own test account (401 on the live path).
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages.json',
    path: (f) => `${A(f)}/Messages.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages.json',
    path: (f) => `${A(f)}/Messages.json`,
    form: (f) => ({ From: f.phone, To: '+14155550100', Body: 'matrix' }),
    expect: [201, 201, U, 201, U, U, U, U],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages.json',
    path: (f) => `${A(f)}/Messages.json`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
    path: (f) => `${A(f)}/Messages/${f.message}.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
    path: (f) => `${A(f)}/Messages/${f.message}.json`,
    form: () => ({ Body: '' }),
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
    path: async (f) => `${A(f)}/Messages/${await f.fresh.message()}.json`,
    expect: [204, 204, U, 204, U, U, U, T],
  },
  // Media and Feedback of A's message (the message has no media: a known path, an unknown ME).
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media.json`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media.json`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}.json`,
    expect: [NF, NF, U, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}.json`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}.json`,
    expect: [NF, NF, U, NF, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}`,
    expect: [NF, NF, U, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Media/:Sid',
    path: (f) => `${A(f)}/Messages/${f.message}/Media/${ME}`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Feedback.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Feedback.json`,
    expect: X405,
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Feedback.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Feedback.json`,
    form: () => ({ Outcome: 'confirmed' }),
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Feedback.json',
    path: (f) => `${A(f)}/Messages/${f.message}/Feedback.json`,
    expect: X405,
  },
  // Applications.
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Applications.json',
    path: (f) => `${A(f)}/Applications.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Applications.json',
    path: (f) => `${A(f)}/Applications.json`,
    form: () => ({ FriendlyName: 'app' }),
    expect: [201, 201, U, 201, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Applications.json',
    path: (f) => `${A(f)}/Applications.json`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/Applications/:Sid.json',
    path: (f) => `${A(f)}/Applications/${f.app}.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/Applications/:Sid.json',
    path: (f) => `${A(f)}/Applications/${f.app}.json`,
    form: () => ({ FriendlyName: 'app2' }),
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/Applications/:Sid.json',
    path: async (f) => `${A(f)}/Applications/${await f.fresh.app()}.json`,
    expect: [204, 204, U, 204, U, U, U, T],
  },
  // Opt-out blocks.
  {
    method: 'GET',
    route: '/2010-04-01/Accounts/:AccountSid/OptOuts.json',
    path: (f) => `${A(f)}/OptOuts.json`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/2010-04-01/Accounts/:AccountSid/OptOuts.json',
    path: (f) => `${A(f)}/OptOuts.json`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/2010-04-01/Accounts/:AccountSid/OptOuts.json',
    path: (f) => `${A(f)}/OptOuts.json`,
    expect: X405,
  },
  // Loft's own API: test credentials are account credentials (not a key's).
  {
    method: 'GET',
    route: '/loft/v1/Accounts/:AccountSid/TestCredentials',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/TestCredentials`,
    expect: [200, 200, U, U, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/loft/v1/Accounts/:AccountSid/TestCredentials',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/TestCredentials`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/loft/v1/Accounts/:AccountSid/TestCredentials',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/TestCredentials`,
    expect: X405,
  },
  ...(['Events', 'WebhookAttempts'] as const).flatMap((what): Row[] => [
    {
      method: 'GET',
      route: `/loft/v1/Accounts/:AccountSid/Messages/:Sid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages/${f.message}/${what}`,
      expect: [200, 200, U, 200, U, U, U, T],
    },
    {
      method: 'POST',
      route: `/loft/v1/Accounts/:AccountSid/Messages/:Sid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages/${f.message}/${what}`,
      expect: X405,
    },
    {
      method: 'DELETE',
      route: `/loft/v1/Accounts/:AccountSid/Messages/:Sid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages/${f.message}/${what}`,
      expect: X405,
    },
  ]),
  // The console's reads (issue 17): as the other /loft/v1 reads of an account.
  ...(['Messages', 'Overview', 'Handsets'] as const).flatMap((what): Row[] => [
    {
      method: 'GET',
      route: `/loft/v1/Accounts/:AccountSid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/${what}`,
      expect: [200, 200, U, 200, U, U, U, T],
    },
    {
      method: 'POST',
      route: `/loft/v1/Accounts/:AccountSid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/${what}`,
      expect: X405,
    },
    {
      method: 'DELETE',
      route: `/loft/v1/Accounts/:AccountSid/${what}`,
      path: (f) => `/loft/v1/Accounts/${f.sub.sid}/${what}`,
      expect: X405,
    },
  ]),
  // Messaging v1: no account in the path, so a service is only its own account's: A's service is
  // 404 to the main account and its key (twilio.com/docs/iam/api/subaccounts: use the
  // subaccount's credentials for its resources) and to the sibling.
  {
    method: 'GET',
    route: '/v1/Services',
    path: () => '/v1/Services',
    expect: [200, 200, 200, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/v1/Services',
    path: () => '/v1/Services',
    form: () => ({ FriendlyName: 'svc' }),
    expect: [201, 201, 201, 201, U, U, U, T],
  },
  { method: 'DELETE', route: '/v1/Services', path: () => '/v1/Services', expect: X405 },
  {
    method: 'GET',
    route: '/v1/Services/:Sid',
    path: (f) => `/v1/Services/${f.service}`,
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/v1/Services/:Sid',
    path: (f) => `/v1/Services/${f.service}`,
    form: () => ({ FriendlyName: 'svc2' }),
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/v1/Services/:Sid',
    path: async (f) => `/v1/Services/${await f.fresh.service()}`,
    expect: [NF, 204, NF, NF, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/v1/Services/:ServiceSid/PhoneNumbers',
    path: (f) => `/v1/Services/${f.service}/PhoneNumbers`,
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/v1/Services/:ServiceSid/PhoneNumbers',
    path: async (f) => `/v1/Services/${await f.fresh.service()}/PhoneNumbers`,
    form: (f) => ({ PhoneNumberSid: f.number }),
    expect: [NF, 201, NF, NF, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/v1/Services/:ServiceSid/PhoneNumbers',
    path: (f) => `/v1/Services/${f.service}/PhoneNumbers`,
    expect: X405,
  },
  {
    method: 'GET',
    route: '/v1/Services/:ServiceSid/PhoneNumbers/:Sid',
    path: (f) => `/v1/Services/${f.service}/PhoneNumbers/${f.poolNumber}`,
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/v1/Services/:ServiceSid/PhoneNumbers/:Sid',
    path: (f) => `/v1/Services/${f.service}/PhoneNumbers/${f.poolNumber}`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/v1/Services/:ServiceSid/PhoneNumbers/:Sid',
    path: async (f) => {
      const [mg, pn] = await f.fresh.pooled();
      return `/v1/Services/${mg}/PhoneNumbers/${pn}`;
    },
    expect: [NF, 204, NF, NF, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/v1/Services/:ServiceSid/OptOutReplies',
    path: (f) => `/v1/Services/${f.service}/OptOutReplies`,
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/v1/Services/:ServiceSid/OptOutReplies',
    path: (f) => `/v1/Services/${f.service}/OptOutReplies`,
    form: () => ({ HelpReply: 'help' }),
    expect: [NF, 200, NF, NF, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/v1/Services/:ServiceSid/OptOutReplies',
    path: (f) => `/v1/Services/${f.service}/OptOutReplies`,
    expect: X405,
  },
];

/** Route patterns compare with their parameters' names erased (Fastify prints `:Sid|:ServiceSid`). */
const shape = (route: string): string => route.replace(/:[A-Za-z|:]+/g, ':');

/** `METHOD shape` of every GET/POST/DELETE route Fastify has, from its printed route tree. */
function routeTable(printed: string): Set<string> {
  const out = new Set<string>();
  const stack: string[] = [];
  for (const line of printed.split('\n')) {
    // A segment under the root route `/` is printed without its leading slash (`healthz`).
    const m = /^([│ ├└─]*?)(\S+) \(([^)]+)\)$/.exec(line);
    if (!m) continue;
    const depth = [...(m[1] ?? '')].length / 4;
    stack.length = depth;
    const full = (stack[depth - 1] ?? '') + (m[2] ?? '');
    stack.push(full);
    if (full === '/healthz' || full.startsWith('/sim')) continue;
    // The console's pages (cookie sessions, not Basic auth: console.api.test.ts), and the live
    // stream, whose 200 never ends: its callers are checked in console.api.test.ts.
    if (full === '/' || full.startsWith('/console') || full.endsWith('/Messages/Stream')) continue;
    for (const method of (m[3] ?? '').split(', ')) {
      if (method === 'GET' || method === 'POST' || method === 'DELETE') {
        out.add(`${method} ${shape(full)}`);
      }
    }
  }
  return out;
}

let t: TestServer;
let f: Fx;

async function ok(r: Promise<{ status: number; json: any; text: string }>, status: number) {
  const res = await r;
  if (res.status !== status) throw new Error(`fixture: ${res.status} ${res.text}`);
  return res.json;
}

beforeAll(async () => {
  t = await startTestServer({ validate: false });
  const asMain = (m: string, p: string, form?: Record<string, string>) => t.http(m, p, form);
  const sub = await ok(asMain('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'A' }), 201);
  const sib = await ok(asMain('POST', '/2010-04-01/Accounts.json', { FriendlyName: 'B' }), 201);
  const key = await ok(asMain('POST', `/2010-04-01/Accounts/${MAIN_SID}/Keys.json`, {}), 201);
  const test = await ok(asMain('GET', `/loft/v1/Accounts/${sub.sid}/TestCredentials`), 200);
  const a = `/2010-04-01/Accounts/${sub.sid}`;
  const asSub = (m: string, p: string, form?: Record<string, string>) =>
    t.http(m, p, form, basic(sub.sid, sub.auth_token));
  const buy = async () =>
    ok(asMain('POST', `${a}/IncomingPhoneNumbers.json`, { AreaCode: '415' }), 201);
  const number = await buy();
  const message = async () => {
    const m = await ok(
      asMain('POST', `${a}/Messages.json`, {
        From: number.phone_number,
        To: '+14155550100',
        Body: 'x',
      }),
      201,
    );
    await t.runDue();
    return m.sid as string;
  };
  const service = async () =>
    (await ok(asSub('POST', '/v1/Services', { FriendlyName: 's' }), 201)).sid as string;
  const pooled = async (): Promise<[string, string]> => {
    const mg = await service();
    const pn = (await buy()).sid as string;
    await ok(asSub('POST', `/v1/Services/${mg}/PhoneNumbers`, { PhoneNumberSid: pn }), 201);
    return [mg, pn];
  };
  const [mg, pn] = await pooled();
  f = {
    sub: { sid: sub.sid, token: sub.auth_token },
    sibling: { sid: sib.sid, token: sib.auth_token },
    key: { sid: key.sid, secret: key.secret },
    test: { sid: test.test_account_sid, token: test.test_auth_token },
    number: number.sid,
    phone: number.phone_number,
    message: await message(),
    app: (await ok(asMain('POST', `${a}/Applications.json`, { FriendlyName: 'a' }), 201)).sid,
    subKey: (await ok(asSub('POST', `${a}/Keys.json`, {}), 201)).sid,
    service: mg,
    poolNumber: pn,
    fresh: {
      message,
      number: async () => (await buy()).sid,
      key: async () => (await ok(asSub('POST', `${a}/Keys.json`, {}), 201)).sid,
      app: async () => (await ok(asSub('POST', `${a}/Applications.json`, {}), 201)).sid,
      service,
      pooled,
    },
  };
});
afterAll(() => t.close());

function header(caller: Caller): string | null {
  switch (caller) {
    case 'main':
      return basic(MAIN_SID, MAIN_TOKEN);
    case 'sub':
      return basic(f.sub.sid, f.sub.token);
    case 'sibling':
      return basic(f.sibling.sid, f.sibling.token);
    case 'key':
      return basic(f.key.sid, f.key.secret);
    case 'wrong':
      return basic(MAIN_SID, 'f'.repeat(32));
    case 'unknown':
      return basic('AC' + 'e'.repeat(32), MAIN_TOKEN);
    case 'none':
      return null;
    case 'test':
      return basic(f.test.sid, f.test.token);
  }
}

describe('authorization matrix', () => {
  it('covers every API route of the route table, and nothing else', () => {
    const table = routeTable(t.server.app.printRoutes({ commonPrefix: false }));
    const rows = new Set(ROWS.map((r) => `${r.method} ${shape(r.route)}`));
    expect(rows.size).toBe(ROWS.length);
    expect([...table].sort()).toEqual([...rows].sort());
  });

  for (const row of ROWS) {
    it(`${row.method} ${row.route}`, async () => {
      expect(row.expect).toHaveLength(CALLERS.length);
      const got: string[] = [];
      const want: string[] = [];
      for (const [i, caller] of CALLERS.entries()) {
        const path = await row.path(f);
        const r = await t.http(row.method, path, row.form?.(f), header(caller));
        const cell = row.expect[i]!;
        const [status, code] = typeof cell === 'number' ? [cell, undefined] : cell;
        want.push(`${caller} ${status}${code ? '/' + code : ''}`);
        got.push(`${caller} ${r.status}${code ? '/' + (r.json?.code ?? '-') : ''}`);
      }
      expect(got).toEqual(want);
    });
  }

  // Last (it changes A): A's own credentials on every row while A is suspended, then closed.
  // Suspended: as active, except sending and buying numbers (401/20005,
  // twilio.com/docs/api/errors/20005). Closed: nothing (401/20003) but the 405s.
  const NOT_ACTIVE = [401, 20005] as const;
  const SUSPENDED_BLOCKS = new Set([
    'POST /2010-04-01/Accounts/:AccountSid/Messages.json',
    'POST /2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
  ]);
  it('a suspended, then closed, subaccount on every row', async () => {
    const sub = CALLERS.indexOf('sub');
    // Resources the DELETE rows act on, made while A may still create them: one set per pass.
    // Two services: the DELETE row and the pool row each take one.
    const stash = async (): Promise<Fx['fresh']> => {
      const message = await f.fresh.message();
      const number = await f.fresh.number();
      const key = await f.fresh.key();
      const app = await f.fresh.app();
      const services = [await f.fresh.service(), await f.fresh.service()];
      const pooled = await f.fresh.pooled();
      return {
        message: async () => message,
        number: async () => number,
        key: async () => key,
        app: async () => app,
        service: async () => services.pop()!,
        pooled: async () => pooled,
      };
    };
    // A number in no service yet, for the pool row's PhoneNumberSid (f.number joined one above).
    const forSuspended: Fx = { ...f, number: await f.fresh.number(), fresh: await stash() };
    const forClosed: Fx = { ...f, number: await f.fresh.number(), fresh: await stash() };
    const pass = async (fx: Fx, want: (row: Row) => Cell) => {
      const got: string[] = [];
      const wanted: string[] = [];
      for (const row of ROWS) {
        const r = await t.http(row.method, await row.path(fx), row.form?.(fx), header('sub'));
        const cell = want(row);
        const [status, code] = typeof cell === 'number' ? [cell, undefined] : cell;
        wanted.push(`${row.method} ${row.route} ${status}${code ? '/' + code : ''}`);
        got.push(
          `${row.method} ${row.route} ${r.status}${code ? '/' + (r.json?.code ?? '-') : ''}`,
        );
      }
      expect(got).toEqual(wanted);
    };
    const suspend = await t.http('POST', `/2010-04-01/Accounts/${f.sub.sid}.json`, {
      Status: 'suspended',
    });
    expect(suspend.status).toBe(200);
    await pass(forSuspended, (row) =>
      SUSPENDED_BLOCKS.has(`${row.method} ${row.route}`) ? NOT_ACTIVE : row.expect[sub]!,
    );
    const close = await t.http('POST', `/2010-04-01/Accounts/${f.sub.sid}.json`, {
      Status: 'closed',
    });
    expect(close.status).toBe(200);
    await pass(forClosed, (row) => (row.expect === X405 ? NA : U));
  });
});
