import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

// The authorization matrix: every route of the route table (the API, Loft's own /loft API and the
// simulator's /sim; all but the probes and /metrics, which take no account credentials), every kind of caller, one exact answer each. The path's
// account is the subaccount A; "sub" is A's own credentials, "sibling" another subaccount's (B),
// "key" the main account's API key, "test" A's test credentials. A route added without a row here
// fails the first test.

const CALLERS = ['main', 'sub', 'sibling', 'key', 'wrong', 'unknown', 'none', 'test'] as const;
type Caller = (typeof CALLERS)[number];
/** A status, or a status with its Twilio error code. */
type Cell = number | readonly [number, number];
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
const METHODS: ReadonlySet<string> = new Set<Method>(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const API_METHODS: ReadonlySet<string> = new Set<Method>(['GET', 'POST', 'DELETE']);

const U = [401, 20003] as const; // twilio.com/docs/api/errors/20003
const T = [403, 20008] as const; // twilio.com/docs/api/errors/20008 (test credentials)
const NF = [404, 20404] as const;
const NA = [405, 20004] as const;
/** Valid credentials without the main account's auth token, on network-wide /sim settings. */
const F = [403, 20403] as const; // twilio.com/docs/api/errors/20403
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
  handset: string; // a /sim handset that has texted the main account, A and B
  fresh: {
    message(): Promise<string>;
    number(): Promise<string>;
    key(): Promise<string>;
    app(): Promise<string>;
    service(): Promise<string>;
    pooled(): Promise<[string, string]>;
    /** A /sim rule of A's, made by the main account: its id. */
    rule(): Promise<string>;
  };
}

interface Row {
  method: Method;
  route: string;
  /** The request path for one cell (may create a resource for it to act on). */
  path: (f: Fx) => string | Promise<string>;
  form?: (f: Fx) => Record<string, string>;
  /** A JSON body (the /sim routes) instead of a form. */
  json?: (f: Fx) => unknown;
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
  ...(['Overview', 'Handsets'] as const).flatMap((what): Row[] => [
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
  // The carriers' binds: operators' business, so the main account's own credentials only.
  {
    method: 'GET',
    route: '/loft/v1/Carriers',
    path: () => '/loft/v1/Carriers',
    expect: [200, F, F, U, U, U, U, T],
  },
  { method: 'POST', route: '/loft/v1/Carriers', path: () => '/loft/v1/Carriers', expect: X405 },
  { method: 'DELETE', route: '/loft/v1/Carriers', path: () => '/loft/v1/Carriers', expect: X405 },
  // Loft's reset of an account's finished messages: last of Loft's rows, as it deletes the
  // fixture's message (the suspended and closed passes below use fresh ones).
  {
    method: 'GET',
    route: '/loft/v1/Accounts/:AccountSid/Messages',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/loft/v1/Accounts/:AccountSid/Messages',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages`,
    expect: X405,
  },
  {
    method: 'DELETE',
    route: '/loft/v1/Accounts/:AccountSid/Messages',
    path: (f) => `/loft/v1/Accounts/${f.sub.sid}/Messages`,
    expect: [200, 200, U, 200, U, U, U, T],
  },
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
  // The simulator. Handsets: A's number is A's and its parent's (and the main account's key's)
  // to text; to B it answers as a number nobody owns (404, checked word for word below). Rules
  // naming A are A's and its parent's; B naming A is 401 as on an /Accounts/{A} path. Chaos and
  // settings are network-wide: the main account's auth token only (403 / 20403 for the rest).
  ...(['POST', 'GET'] as const).map((method): Row => ({
    method,
    route: '/sim/handsets/:number/messages',
    path: (f) => `/sim/handsets/${encodeURIComponent(f.handset)}/messages`,
    ...(method === 'POST' && { json: (f: Fx) => ({ to: f.phone, body: 'matrix' }) }),
    expect: method === 'POST' ? [201, 201, NF, 201, U, U, U, T] : [200, 200, 200, 200, U, U, U, T],
  })),
  {
    method: 'GET',
    route: '/sim/rules',
    path: () => '/sim/rules',
    expect: [200, 200, 200, 200, U, U, U, T],
  },
  {
    method: 'POST',
    route: '/sim/rules',
    path: () => '/sim/rules',
    json: (f) => ({ accountSid: f.sub.sid, match: '+19995550001', outcome: 'delivered' }),
    expect: [201, 201, U, 201, U, U, U, T],
  },
  {
    method: 'PUT',
    route: '/sim/rules',
    path: () => '/sim/rules',
    json: (f) => [{ accountSid: f.sub.sid, match: '+19995550002', outcome: 'delivered' }],
    expect: [200, 200, U, 200, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/sim/rules',
    path: () => '/sim/rules',
    expect: [204, 204, 204, 204, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/sim/rules/:id',
    path: async (f) => `/sim/rules/${await f.fresh.rule()}`,
    expect: [204, 204, NF, 204, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/sim/chaos',
    path: () => '/sim/chaos',
    expect: [200, F, F, F, U, U, U, T],
  },
  {
    method: 'PUT',
    route: '/sim/chaos',
    path: () => '/sim/chaos',
    json: () => ({ mix: [] }),
    expect: [200, F, F, F, U, U, U, T],
  },
  {
    method: 'DELETE',
    route: '/sim/chaos',
    path: () => '/sim/chaos',
    expect: [204, F, F, F, U, U, U, T],
  },
  {
    method: 'GET',
    route: '/sim/settings',
    path: () => '/sim/settings',
    expect: [200, F, F, F, U, U, U, T],
  },
  {
    method: 'PATCH',
    route: '/sim/settings',
    path: () => '/sim/settings',
    json: () => ({ seed: 'matrix' }),
    expect: [200, F, F, F, U, U, U, T],
  },
];

/** Route patterns compare with their parameters' names erased (Fastify prints `:Sid|:ServiceSid`). */
const shape = (route: string): string => route.replace(/:[A-Za-z|:]+/g, ':');

/** `METHOD shape` of every route Fastify has (see `methods` below), from its printed route tree. */
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
    if (['/healthz', '/readyz', '/livez', '/metrics'].includes(full)) continue;
    // The API's routes also register PUT and PATCH, 405 for every caller like their DELETE rows
    // here; /sim has every method it registers.
    const methods = full.startsWith('/sim/') ? METHODS : API_METHODS;
    // The console's pages (cookie sessions, not Basic auth: console.api.test.ts), and the live
    // stream, whose 200 never ends: its callers are checked in console.api.test.ts.
    if (full === '/' || full.startsWith('/console') || full.endsWith('/Messages/Stream')) continue;
    for (const method of (m[3] ?? '').split(', ')) {
      if (methods.has(method)) out.add(`${method} ${shape(full)}`);
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

/** A JSON request (the /sim API); `auth` null sends no credentials. */
async function json(method: string, path: string, auth: string | null, body?: unknown) {
  const headers: Record<string, string> = {};
  if (auth !== null) headers['authorization'] = auth;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(t.url + path, {
    method,
    headers,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, text, json: text === '' ? undefined : JSON.parse(text) };
}

/** One cell's request: `row` on `fx` as the caller whose Authorization header is `auth`. */
async function call(row: Row, fx: Fx, auth: string | null) {
  const path = await row.path(fx);
  return row.json
    ? json(row.method, path, auth, row.json(fx))
    : t.http(row.method, path, row.form?.(fx), auth);
}

const HANDSET = '+14155559999';
let mainPhone: string;
let siblingPhone: string;

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
  mainPhone = (
    await ok(
      asMain('POST', `/2010-04-01/Accounts/${MAIN_SID}/IncomingPhoneNumbers.json`, {
        AreaCode: '415',
      }),
      201,
    )
  ).phone_number;
  const sibAuth = basic(sib.sid, sib.auth_token);
  siblingPhone = (
    await ok(
      t.http(
        'POST',
        `/2010-04-01/Accounts/${sib.sid}/IncomingPhoneNumbers.json`,
        { AreaCode: '415' },
        sibAuth,
      ),
      201,
    )
  ).phone_number;
  // The handset has texted the main account, A and B, each as itself.
  const handsetPath = `/sim/handsets/${encodeURIComponent(HANDSET)}/messages`;
  const texts: [string, string][] = [
    [mainPhone, basic(MAIN_SID, MAIN_TOKEN)],
    [number.phone_number, basic(sub.sid, sub.auth_token)],
    [siblingPhone, sibAuth],
  ];
  for (const [to, auth] of texts) {
    await ok(json('POST', handsetPath, auth, { to, body: 'fixture' }), 201);
  }
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
    handset: HANDSET,
    fresh: {
      message,
      number: async () => (await buy()).sid,
      key: async () => (await ok(asSub('POST', `${a}/Keys.json`, {}), 201)).sid,
      app: async () => (await ok(asSub('POST', `${a}/Applications.json`, {}), 201)).sid,
      service,
      pooled,
      rule: async () =>
        (
          await ok(
            json('POST', '/sim/rules', basic(MAIN_SID, MAIN_TOKEN), {
              accountSid: sub.sid,
              match: '+19995550003',
              outcome: 'delivered',
            }),
            201,
          )
        ).id as string,
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
        const r = await call(row, f, header(caller));
        const cell = row.expect[i]!;
        const [status, code] = typeof cell === 'number' ? [cell, undefined] : cell;
        want.push(`${caller} ${status}${code ? '/' + code : ''}`);
        got.push(`${caller} ${r.status}${code ? '/' + (r.json?.code ?? '-') : ''}`);
      }
      expect(got).toEqual(want);
    });
  }

  it('a handset texting another account’s number gets what a number nobody owns gets, word for word', async () => {
    const path = `/sim/handsets/${encodeURIComponent(HANDSET)}/messages`;
    const nobody = '+14155550199';
    const unknown = (n: string) => ({
      code: 20404,
      message: `The number ${n} is not a phone number of any account here`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
      status: 404,
    });
    // [caller, a number that is another account's to it]
    const cases: [Caller, string][] = [
      ['sub', mainPhone],
      ['sub', siblingPhone],
      ['sibling', f.phone],
      ['sibling', mainPhone],
    ];
    for (const [caller, to] of [...cases, ['sub', nobody] as [Caller, string]]) {
      const r = await json('POST', path, header(caller), { to, body: 'probe' });
      expect([caller, to, r.status, r.json]).toEqual([caller, to, 404, unknown(to)]);
    }
  });

  it('reading a handset’s conversation shows only the caller’s (and its subaccounts’) messages', async () => {
    const path = `/sim/handsets/${encodeURIComponent(HANDSET)}/messages`;
    const seen = async (caller: Caller) => {
      const r = await json('GET', path, header(caller));
      expect(r.status).toBe(200);
      const sids = (r.json.messages as { account_sid: string }[]).map((m) => m.account_sid);
      return [...new Set(sids)].sort();
    };
    const family = [MAIN_SID, f.sub.sid, f.sibling.sid].sort();
    expect(await seen('main')).toEqual(family);
    expect(await seen('key')).toEqual(family);
    expect(await seen('sub')).toEqual([f.sub.sid]);
    expect(await seen('sibling')).toEqual([f.sibling.sid]);
  });

  // Last (it changes A): A's own credentials on every row while A is suspended, then closed.
  // Suspended: as active, except sending, buying numbers and receiving (a handset texting A's
  // number) (401/20005, twilio.com/docs/api/errors/20005). Closed: nothing (401/20003) but the 405s.
  const NOT_ACTIVE = [401, 20005] as const;
  const SUSPENDED_BLOCKS = new Set([
    'POST /2010-04-01/Accounts/:AccountSid/Messages.json',
    'POST /2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
    'POST /sim/handsets/:number/messages',
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
        message: () => Promise.resolve(message),
        number: () => Promise.resolve(number),
        key: () => Promise.resolve(key),
        app: () => Promise.resolve(app),
        service: () => Promise.resolve(services.pop()!),
        pooled: () => Promise.resolve(pooled),
        rule: f.fresh.rule,
      };
    };
    // A number in no service yet, for the pool row's PhoneNumberSid (f.number joined one above).
    // A finished message of its own each: the reset row deleted the fixture's.
    const forSuspended: Fx = {
      ...f,
      number: await f.fresh.number(),
      message: await f.fresh.message(),
      fresh: await stash(),
    };
    const forClosed: Fx = {
      ...f,
      number: await f.fresh.number(),
      message: await f.fresh.message(),
      fresh: await stash(),
    };
    const pass = async (fx: Fx, want: (row: Row) => Cell) => {
      const got: string[] = [];
      const wanted: string[] = [];
      for (const row of ROWS) {
        const r = await call(row, fx, header('sub'));
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
