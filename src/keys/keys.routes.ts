import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { sha256 } from '../http/auth.js';
import { notFound } from '../http/errors.js';
import { single } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import { resource } from '../http/resource.js';
import type { ApiKey } from '../store/records.js';
import type { Store } from '../store/store.js';
import { toKeyJson } from './keys.mapper.js';

/** `…/Keys.json` and `…/Keys/{Sid}.json`. Only account credentials may manage keys. */
export function keyRoutes(
  app: FastifyInstance,
  deps: { store: Store; clock: Clock; ids: Ids },
): void {
  const { store, clock, ids } = deps;
  const opts = { accountParam: 'AccountSid', accountCredentialsOnly: true };
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Keys.json',
    {
      POST: async ({ account, params }) => {
        const now = clock.now();
        const secret = ids.secret();
        const key: ApiKey = {
          sid: ids.sid('SK'),
          accountSid: account.sid,
          friendlyName: single(params, 'FriendlyName') ?? '',
          secretHash: sha256(secret),
          dateCreated: now,
          dateUpdated: now,
        };
        await store.apiKeys.insert(key);
        // The secret is shown here once and never stored.
        return { status: 201, body: { ...toKeyJson(key), secret } };
      },
      GET: async ({ account, params, path }) => {
        const paging = readPageParams(params);
        const { offset, limit } = offsetPaging(paging);
        const rows = await store.apiKeys.list(account.sid, { offset, limit });
        return { body: offsetEnvelope('keys', path, [], paging, offset, rows.map(toKeyJson)) };
      },
    },
    opts,
  );
  const owned = async (accountSid: string, sid: string, path: string): Promise<ApiKey> => {
    const key = await store.apiKeys.get(sid);
    if (!key || key.accountSid !== accountSid) throw notFound(path);
    return key;
  };
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Keys/:Sid.json',
    {
      GET: async ({ account, pathParams, path }) => ({
        body: toKeyJson(await owned(account.sid, pathParams['Sid'] ?? '', path)),
      }),
      POST: async ({ account, pathParams, path, params }) => {
        const key = await owned(account.sid, pathParams['Sid'] ?? '', path);
        const name = single(params, 'FriendlyName');
        const updated =
          name === undefined ? key : await store.apiKeys.update(key.sid, name, clock.now());
        return { body: toKeyJson(updated ?? key) };
      },
      DELETE: async ({ account, pathParams, path }) => {
        const key = await owned(account.sid, pathParams['Sid'] ?? '', path);
        await store.apiKeys.delete(key.sid);
        return { status: 204 };
      },
    },
    opts,
  );
}
