import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { badRequest, notFound, TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import type { Account, TestCredentials } from '../store/records.js';
import type { Store } from '../store/store.js';

const STATUSES: readonly Account['status'][] = ['active', 'suspended', 'closed'];

/**
 * Who may set `Status` to what, as on Twilio: 21475 for a value other than active, suspended or
 * closed (twilio.com/docs/api/errors/21475); 21477 for a main account's own status
 * (twilio.com/docs/api/errors/21477: "status updates restricted to subaccounts only"; the
 * subaccounts docs: "you cannot suspend your main account", nor close it); a subaccount on its
 * own status: 403 / 20403 (the docs require the main account's credentials; Twilio's answer is
 * undocumented, so this code is unsourced); a closed account: 21479, it "can not be re-opened"
 * (twilio.com/docs/api/errors/21479).
 */
function checkStatusChange(caller: Account, target: Account, status: string): void {
  if (!STATUSES.includes(status as Account['status'])) {
    throw badRequest(
      21475,
      `Unable to update Status, invalid Status '${status}': expected active, suspended or closed`,
    );
  }
  if (target.sid === target.ownerAccountSid) {
    throw badRequest(
      21477,
      'Unable to update Status for parent accounts, status updates restricted to subaccounts only',
    );
  }
  if (caller.sid === target.sid) {
    throw new TwilioError(
      403,
      20403,
      "Only the parent account can update a subaccount's Status: use the parent's credentials",
    );
  }
  if (target.status === 'closed' && status !== 'closed') {
    throw badRequest(
      21479,
      'Unable to update Status for subaccount, subaccount is closed and can not be re-opened.',
    );
  }
}

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
    /**
     * Creates a subaccount of `owner` with its own auth token. Only a main account has
     * subaccounts: a subaccount asking is 400 / 21101 (twilio.com/docs/api/errors/21101).
     */
    async createSubaccount(owner: Account, params: FormParams): Promise<Account> {
      if (owner.sid !== owner.ownerAccountSid) {
        throw badRequest(
          21101,
          'Subaccounts cannot contain subaccounts: only a main account may create them',
        );
      }
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

    /**
     * Updates FriendlyName and/or Status as `caller` (the authenticated account). Only a parent
     * changes a subaccount's Status; closing is final and releases the subaccount's numbers.
     */
    async update(
      caller: Account,
      target: Account,
      path: string,
      params: FormParams,
    ): Promise<Account> {
      const friendlyName = single(params, 'FriendlyName');
      const status = single(params, 'Status');
      if (status !== undefined) checkStatusChange(caller, target, status);
      const apply = async (s: Store): Promise<Account | undefined> =>
        s.accounts.update(
          target.sid,
          {
            ...(friendlyName !== undefined && { friendlyName }),
            ...(status !== undefined && { status: status as Account['status'] }),
          },
          clock.now(),
        );
      // "Twilio will release all phone numbers assigned to it" (twilio.com/docs/iam/api/subaccounts).
      const updated =
        status === 'closed'
          ? await store.transaction(async (tx) => {
              for (;;) {
                const page = await tx.phoneNumbers.list(target.sid, {}, { offset: 0, limit: 500 });
                if (page.length === 0) return apply(tx);
                for (const n of page) {
                  await tx.phoneNumbers.delete(target.sid, n.sid);
                  await tx.services.unlinkPhoneNumber(n.sid);
                }
              }
            })
          : await apply(store);
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
