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

/** Constant-time string comparison (both sides hashed first so lengths never leak). */
export function safeEqual(a: string, b: string): boolean {
  // One-shot hashing: a third of createHash's cost, and this runs on every request.
  return timingSafeEqual(hash('sha256', a, 'buffer'), hash('sha256', b, 'buffer'));
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
    const ok = key !== undefined && safeEqual(sha256(creds.pass), key.secretHash);
    const account = ok ? await store.accounts.get(key.accountSid) : undefined;
    if (!account || account.status === 'closed') throw unauthorized();
    return { account, apiKeySid: key?.sid };
  }
  const account = await store.accounts.get(creds.user);
  // Compare even when the account is unknown, so timing does not reveal which SIDs exist.
  const ok = safeEqual(creds.pass, account?.authToken ?? '\u0000');
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
