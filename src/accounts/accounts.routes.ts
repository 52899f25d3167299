import type { FastifyInstance } from 'fastify';
import { single } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import { toAccountJson } from './accounts.mapper.js';
import type { AccountsService } from './accounts.service.js';

/** `/2010-04-01/Accounts.json` and `/2010-04-01/Accounts/{Sid}.json`. Account credentials only. */
export function accountRoutes(app: FastifyInstance, store: Store, accounts: AccountsService): void {
  resource(
    app,
    store,
    '/2010-04-01/Accounts.json',
    {
      GET: async ({ principal, params, path }) => {
        const paging = readPageParams(params);
        const { offset, limit } = offsetPaging(paging);
        const friendlyName = single(params, 'FriendlyName') || undefined;
        const status = single(params, 'Status') || undefined;
        const rows = await store.accounts.listFamily(
          principal.account.sid,
          { friendlyName, status },
          { offset, limit },
        );
        const filters = [
          ...(friendlyName ? [['FriendlyName', friendlyName] as const] : []),
          ...(status ? [['Status', status] as const] : []),
        ];
        return {
          body: offsetEnvelope('accounts', path, filters, paging, offset, rows.map(toAccountJson)),
        };
      },
      POST: async ({ principal, params }) => ({
        status: 201,
        body: toAccountJson(await accounts.createSubaccount(principal.account, params)),
      }),
    },
    { accountCredentialsOnly: true },
  );
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:Sid.json',
    {
      GET: ({ account }) => ({ body: toAccountJson(account) }),
      POST: async ({ principal, account, path, params }) => ({
        body: toAccountJson(await accounts.update(principal.account, account, path, params)),
      }),
    },
    { accountParam: 'Sid', accountCredentialsOnly: true },
  );
}
