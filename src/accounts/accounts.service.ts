import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import type { Account, TestCredentials } from '../store/records.js';
import type { Store } from '../store/store.js';

const STATUSES: readonly Account['status'][] = ['active', 'suspended', 'closed'];

/** Dependencies of the Accounts service. */
export interface AccountsDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
}

/** Twilio's default subaccount name: `SubAccount Created at 2024-01-02 03:04 pm`. */
function defaultName(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const hh = String(h % 12 === 0 ? 12 : h % 12).padStart(2, '0');
  const mm = String(d.getUTCMinutes()).padStart(2, '0');
  return `SubAccount Created at ${d.toISOString().slice(0, 10)} ${hh}:${mm} ${h < 12 ? 'am' : 'pm'}`;
}

/** Accounts and subaccounts: create, fetch, update (name, status), and the main account. */
export function accountsService(deps: AccountsDeps) {
  const { store, clock, ids } = deps;
  return {
    /** Creates a subaccount of `owner` with its own auth token. */
    async createSubaccount(owner: Account, params: FormParams): Promise<Account> {
      const now = clock.now();
      const account: Account = {
        sid: ids.sid('AC'),
        ownerAccountSid: owner.sid,
        friendlyName: single(params, 'FriendlyName') || defaultName(now),
        authToken: ids.secret(),
        status: 'active',
        type: owner.type,
        dateCreated: now,
        dateUpdated: now,
      };
      await store.accounts.insert(account);
      return account;
    },

    /** Updates FriendlyName and/or Status (active, suspended, closed; closed is final). */
    async update(target: Account, path: string, params: FormParams): Promise<Account> {
      const friendlyName = single(params, 'FriendlyName');
      const status = single(params, 'Status');
      if (status !== undefined && !STATUSES.includes(status as Account['status'])) {
        throw badRequest(20001, `Invalid Status '${status}': expected active, suspended or closed`);
      }
      if (target.status === 'closed' && status !== undefined && status !== 'closed') {
        throw badRequest(20001, 'A closed account cannot be reopened');
      }
      const updated = await store.accounts.update(
        target.sid,
        {
          ...(friendlyName !== undefined && { friendlyName }),
          ...(status !== undefined && { status: status as Account['status'] }),
        },
        clock.now(),
      );
      if (!updated) throw notFound(path);
      return updated;
    },

    /**
     * The account's test credentials (twilio.com/docs/iam/test-credentials), generated on first
     * use: a test Account SID distinct from the live one and a test auth token.
     */
    async testCredentials(account: Account): Promise<TestCredentials> {
      const existing = await store.testCredentials.get(account.sid);
      if (existing) return existing;
      return store.testCredentials.ensure({
        accountSid: account.sid,
        testSid: ids.sid('AC'),
        authToken: ids.secret(),
        dateCreated: clock.now(),
      });
    },

    /**
     * Makes sure the main account exists. With explicit credentials it is created (or its
     * token updated) to match; without, a persisted one is reused or a new one generated.
     */
    async ensureMain(
      credentials: { sid: string; authToken: string } | undefined,
      friendlyName = 'Loft main account',
    ): Promise<{ account: Account; created: boolean }> {
      const sid = credentials?.sid ?? (await store.settings.get('main_account_sid'));
      const existing = sid ? await store.accounts.get(sid) : undefined;
      if (existing) {
        await store.settings.set('main_account_sid', existing.sid);
        if (credentials && existing.authToken !== credentials.authToken) {
          const updated = await store.accounts.update(
            existing.sid,
            { authToken: credentials.authToken },
            clock.now(),
          );
          return { account: updated ?? existing, created: false };
        }
        return { account: existing, created: false };
      }
      const now = clock.now();
      const account: Account = {
        sid: credentials?.sid ?? ids.sid('AC'),
        ownerAccountSid: '',
        friendlyName,
        authToken: credentials?.authToken ?? ids.secret(),
        status: 'active',
        type: 'Full',
        dateCreated: now,
        dateUpdated: now,
      };
      account.ownerAccountSid = account.sid;
      await store.accounts.insert(account);
      await store.settings.set('main_account_sid', account.sid);
      return { account, created: true };
    },
  };
}

/** The service's type, for route wiring. */
export type AccountsService = ReturnType<typeof accountsService>;
