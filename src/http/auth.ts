import { hash, timingSafeEqual } from 'node:crypto';
import type { Account } from '../store/records.js';
import type { Store } from '../store/store.js';
import { unauthorized } from './errors.js';

/** Who is calling: the account whose credentials were presented, and how. */
export interface Principal {
  account: Account;
  /** `SK…` when an API key authenticated the request. */
  apiKeySid?: string;
}

/** SHA-256 hex digest; API key secrets are stored only this way. */
export const sha256 = (s: string): string => hash('sha256', s, 'hex');

/** SHA-256 digest of `s` as 32 bytes. */
const digest = (s: string): Buffer => hash('sha256', s, 'buffer');

/**
 * Digests of stored auth tokens, per account record. The read cache hands out the same frozen
 * record until the account changes, so each token is hashed once, not on every request.
 */
const tokenDigests = new WeakMap<Account, Buffer>();

function tokenDigest(account: Account): Buffer {
  let d = tokenDigests.get(account);
  if (d === undefined) tokenDigests.set(account, (d = digest(account.authToken)));
  return d;
}

/** Compared against when the username is unknown, so that path costs what a real check does. */
const NO_DIGEST = digest('\u0000');

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
 * Verifies HTTP Basic credentials: `AccountSid:AuthToken` or `ApiKeySid:secret`. Throws 401/20003
 * on anything else. A closed account cannot authenticate.
 */
export async function authenticate(store: Store, header: string | undefined): Promise<Principal> {
  const creds = parseBasic(header);
  if (!creds) throw unauthorized('Authentication Error - No credentials provided');
  if (creds.user.startsWith('SK')) {
    const key = await store.apiKeys.get(creds.user);
    const ok = key !== undefined && matches(creds.pass, Buffer.from(key.secretHash, 'hex'));
    const account = ok ? await store.accounts.get(key.accountSid) : undefined;
    if (!account || account.status === 'closed') throw unauthorized();
    return { account, apiKeySid: key?.sid };
  }
  const account = await store.accounts.get(creds.user);
  // Compare even when the account is unknown, so the comparison's own timing does not reveal
  // which SIDs exist (the lookup before it still may: known accounts are usually cached).
  const ok = matches(creds.pass, account ? tokenDigest(account) : NO_DIGEST);
  if (!account || !ok || account.status === 'closed') throw unauthorized();
  return { account };
}

/**
 * The account a request acts on: the principal itself, or one of its subaccounts. A subaccount
 * never reaches its parent or siblings. Anything else is 401/20003, revealing nothing.
 */
export async function authorizeAccount(
  store: Store,
  principal: Principal,
  accountSid: string,
): Promise<Account> {
  if (accountSid === principal.account.sid) return principal.account;
  const target = await store.accounts.get(accountSid);
  if (
    target &&
    target.ownerAccountSid === principal.account.sid &&
    target.sid !== target.ownerAccountSid
  ) {
    return target;
  }
  throw unauthorized();
}
