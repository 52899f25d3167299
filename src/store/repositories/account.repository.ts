import type { Account } from '../records.js';

/** Accounts and subaccounts. */
export interface AccountRepository {
  insert(account: Account): Promise<void>;
  get(sid: string): Promise<Account | undefined>;
  /** Every account SID (for housekeeping such as retention). */
  sids(): Promise<string[]>;
  /** The account `rootSid` and its subaccounts, oldest first. */
  listFamily(
    rootSid: string,
    filter: { friendlyName?: string; status?: string },
    page: { limit: number; offset: number },
  ): Promise<Account[]>;
  update(
    sid: string,
    patch: Partial<Pick<Account, 'friendlyName' | 'status' | 'authToken'>>,
    now: number,
  ): Promise<Account | undefined>;
}
