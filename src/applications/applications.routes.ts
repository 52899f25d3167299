import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { notFound } from '../http/errors.js';
import { single } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import { resource } from '../http/resource.js';
import type { Account, Application } from '../store/records.js';
import type { Store } from '../store/store.js';
import { toApplicationJson } from './applications.mapper.js';
import {
  defaultApplicationConfig,
  readApplicationConfig,
  readApplicationName,
} from './applications.params.js';

/** `…/Applications.json` and `…/Applications/{Sid}.json` (TwiML Applications). */
export function applicationRoutes(
  app: FastifyInstance,
  deps: { store: Store; clock: Clock; ids: Ids },
): void {
  const { store, clock, ids } = deps;
  const byAccount = { accountParam: 'AccountSid' };
  const mustGet = async (account: Account, sid: string, path: string): Promise<Application> => {
    const found = await store.applications.get(account.sid, sid);
    if (!found) throw notFound(path);
    return found;
  };

  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Applications.json',
    {
      POST: async ({ account, params }) => {
        const now = clock.now();
        const created: Application = {
          sid: ids.sid('AP'),
          accountSid: account.sid,
          friendlyName: readApplicationName(params) ?? '',
          config: readApplicationConfig(params, defaultApplicationConfig()),
          dateCreated: now,
          dateUpdated: now,
        };
        await store.applications.insert(created);
        return { status: 201, body: toApplicationJson(created) };
      },
      GET: async ({ account, params, path }) => {
        const paging = readPageParams(params);
        const { offset, limit } = offsetPaging(paging);
        const friendlyName = single(params, 'FriendlyName') || undefined;
        const rows = await store.applications.list(
          account.sid,
          friendlyName === undefined ? {} : { friendlyName },
          { offset, limit },
        );
        const filters: [string, string][] =
          friendlyName === undefined ? [] : [['FriendlyName', friendlyName]];
        return {
          body: offsetEnvelope(
            'applications',
            path,
            filters,
            paging,
            offset,
            rows.map(toApplicationJson),
          ),
        };
      },
    },
    byAccount,
  );

  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Applications/:Sid.json',
    {
      GET: async ({ account, pathParams, path }) => ({
        body: toApplicationJson(await mustGet(account, pathParams['Sid'] ?? '', path)),
      }),
      POST: async ({ account, pathParams, path, params }) => {
        const current = await mustGet(account, pathParams['Sid'] ?? '', path);
        const name = readApplicationName(params);
        const updated: Application = {
          ...current,
          friendlyName: name ?? current.friendlyName,
          config: readApplicationConfig(params, current.config),
          dateUpdated: clock.now(),
        };
        await store.applications.update(updated);
        return { body: toApplicationJson(updated) };
      },
      DELETE: async ({ account, pathParams, path }) => {
        if (!(await store.applications.delete(account.sid, pathParams['Sid'] ?? ''))) {
          throw notFound(path);
        }
        return { status: 204 };
      },
    },
    byAccount,
  );
}
