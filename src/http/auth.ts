import { hash, timingSafeEqual } from 'node:crypto';
import type { Account, TestCredentials } from '../store/records.js';
import type { Store } from '../store/store.js';
import { TwilioError, unauthorized } from './errors.js';

/** Which kind of credentials authenticated a request. */
export type Credentials = 'live' | 'test';

/** Who is calling: the account whose credentials were presented, and how. */
export interface Principal {
  /**
   * The account acted as. With test credentials it is the account's test account: the live
   * record under the test Account SID, which owns nothing (no numbers, services, messages).
   */
  account: Account;
  /** `SK…` when an API key authenticated the request. */
  apiKeySid?: string;
  /** `test` for an account's test credentials (twilio.com/docs/iam/test-credentials). */
  credentials: Credentials;
}

/**
 * The only routes test credentials may use, as `METHOD /route/pattern`; every other one answers
 * 403 / 20008 (twilio.com/docs/iam/test-credentials, twilio.com/docs/api/errors/20008).
 * Twilio also allows buying numbers and making calls; Loft has no calls and does not simulate
 * purchases with test credentials.
 */
const TEST_CREDENTIAL_ROUTES: ReadonlySet<string> = new Set([
  'POST /2010-04-01/Accounts/:AccountSid/Messages.json',
]);

/** 403 / 20008, with the message Twilio sends (seen in twilio-ruby#69, twilio-php#213). */
const testCredentialsForbidden = (): TwilioError =>
  new TwilioError(403, 20008, 'Resource not accessible with Test Account Credentials');

/** The test account of `live`: its record under the test SID, owning nothing but itself. */
const testAccount = (live: Account, test: TestCredentials): Account => ({
  ...live,
  sid: test.testSid,
  ownerAccountSid: test.testSid,
  authToken: test.authToken,
});

/** SHA-256 hex digest; API key secrets are stored only this way. */
export const sha256 = (s: string): string => hash('sha256', s, 'hex');

/** SHA-256 digest of `s` as 32 bytes. */
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/**
 * Digests of stored auth tokens, per account (or test credentials) record. The read cache hands
 * out the same frozen record until it changes, so each token is hashed once, not per request.
 */
const tokenDigests = new WeakMap<Account | TestCredentials, Buffer>();

function tokenDigest(record: Account | TestCredentials): Buffer {
  let d = tokenDigests.get(record);
  if (d === undefined) tokenDigests.set(record, (d = digest(record.authToken)));
  return d;
}

/** Compared against when the username is unknown, so that path costs what a real check does. */
const NO_RECORD: TestCredentials = {
  accountSid: '',
  testSid: '',
  authToken: '\u0000',
  dateCreated: 0,
};

/** The digest an unknown API key's secret is compared with. */
const NO_KEY = digest('\u0000');

/**
 * Constant-time check of a presented secret against a stored SHA-256 digest: the secret is
 * hashed first, so both sides are 32 bytes and lengths never leak.
 */
function matches(presented: string, stored: Buffer): boolean {
  const d = digest(presented);
  return d.length === stored.length && timingSafeEqual(d, stored);
}

/** Splits an `Authorization: Basic …` header; `null` when absent or not Basic. */
export function parseBasic(header: string | undefined): { user: string; pass: string } | null {
  if (!header) return null;
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m?.[1]) return null;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), pass: decoded.slice(colon + 1) };
}

/**
 * Verifies HTTP Basic credentials: `AccountSid:AuthToken`, `ApiKeySid:secret`, or an account's
 * `TestAccountSid:TestAuthToken`. Throws 401/20003 on anything else; a closed account cannot
 * authenticate. `route` (`METHOD /pattern`) is the route asked for: the one place that decides
 * where test credentials may go (403 / 20008 elsewhere).
 */
export async function authenticate(
  store: Store,
  header: string | undefined,
  route: string,
): Promise<Principal> {
  const creds = parseBasic(header);
  if (!creds) throw unauthorized('Authentication Error - No credentials provided');
  // No SID holds U+0000, and PostgreSQL cannot even look one up.
  if (creds.user.includes('\u0000')) throw unauthorized();
  if (creds.user.startsWith('SK')) {
    const key = await store.apiKeys.get(creds.user);
    // Compared for unknown keys too (against a digest nothing matches), like account tokens.
    const ok = matches(creds.pass, key ? Buffer.from(key.secretHash, 'hex') : NO_KEY) && !!key;
    const account = ok ? await store.accounts.get(key.accountSid) : undefined;
    const standing = account && (await inStanding(store, account));
    if (!standing || standing.status === 'closed') throw unauthorized();
    return { account: standing, apiKeySid: key?.sid, credentials: 'live' };
  }
  const account = await store.accounts.get(creds.user);
  const test = account ? undefined : await store.testCredentials.findByTestSid(creds.user);
  const live = account ?? (test && (await store.accounts.get(test.accountSid)));
  // Compare even when the SID is unknown, so the comparison's own timing does not reveal which
  // SIDs exist; the read cache keeps unknown SIDs too, so the lookups cost the same as well.
  const ok = matches(creds.pass, tokenDigest(account ?? test ?? NO_RECORD));
  if (!live || !ok) throw unauthorized();
  const standing = await inStanding(store, live);
  if (standing.status === 'closed') throw unauthorized();
  if (!test) return { account: standing, credentials: 'live' };
  if (!TEST_CREDENTIAL_ROUTES.has(route)) throw testCredentialsForbidden();
  return { account: testAccount(standing, test), credentials: 'test' };
}

const RANK: Record<Account['status'], number> = { active: 0, suspended: 1, closed: 2 };

/** The longest owner chain followed (Loft creates one level; older stores may hold more). */
const MAX_DEPTH = 8;

/**
 * `account` with the status it is held to: its own, or its parent's when that is worse. "If your
 * main Twilio account is ever suspended, your subaccounts will also be suspended"
 * (twilio.com/docs/iam/api/subaccounts); a closed parent closes them too (unsourced: the safe
 * choice). Subaccounts nested by Loft before 21101 follow every ancestor the same way.
 */
export async function inStanding(store: Store, account: Account): Promise<Account> {
  let status = account.status;
  let owner = account.ownerAccountSid;
  let sid = account.sid;
  for (let depth = 0; owner !== sid && depth < MAX_DEPTH && status !== 'closed'; depth++) {
    const parent = await store.accounts.get(owner);
    // A parent that no longer exists leaves its subaccounts nothing to act for.
    if (!parent) return { ...account, status: 'closed' };
    if (RANK[parent.status] > RANK[status]) status = parent.status;
    sid = parent.sid;
    owner = parent.ownerAccountSid;
  }
  return status === account.status ? account : { ...account, status };
}

/**
 * 401 / 20005 "Account not active" (twilio.com/docs/api/errors/20005) when `account` is
 * suspended: it cannot send messages or buy numbers ("While an account is suspended it cannot
 * make or receive phone calls or send and receive SMS messages", twilio.com/docs/iam/api/subaccounts).
 * Twilio's HTTP status for 20005 is not documented; 401 is the one its 2000x authentication
 * errors use (unsourced).
 */
export function requireActive(account: Account): void {
  if (account.status !== 'active') {
    throw new TwilioError(401, 20005, `Account ${account.sid} is not active`);
  }
}

/**
 * The account a request acts on: the principal itself, or one of its subaccounts. A subaccount
 * never reaches its parent or siblings; test credentials reach only their test account (the
 * live one is 20003: twilio.com/docs/api/errors/20003). Anything else is 401/20003, revealing
 * nothing.
 */
export async function authorizeAccount(
  store: Store,
  principal: Principal,
  accountSid: string,
): Promise<Account> {
  if (accountSid === principal.account.sid) return principal.account;
  if (principal.credentials === 'test') throw unauthorized();
  const target = await store.accounts.get(accountSid);
  if (
    target &&
    target.ownerAccountSid === principal.account.sid &&
    target.sid !== target.ownerAccountSid
  ) {
    // The parent's standing passed down (the principal is the parent, already in standing).
    const worst = RANK[principal.account.status] > RANK[target.status];
    return worst ? { ...target, status: principal.account.status } : target;
  }
  throw unauthorized();
}
