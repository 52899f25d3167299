import type { FastifyInstance } from 'fastify';
import { requireActive } from '../http/auth.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import { listMessages } from './messages.list.js';
import { toMessageJson } from './messages.mapper.js';
import type { MessagesService } from './messages.service.js';
import {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENT_REPLAYED_HEADER,
  parseIdempotencyKey,
} from './messages.idempotency.js';

/** `…/Messages.json` and `…/Messages/{Sid}.json`. */
export function messageRoutes(app: FastifyInstance, store: Store, messages: MessagesService): void {
  const byAccount = { accountParam: 'AccountSid' };
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Messages.json',
    {
      POST: async (ctx) => {
        requireActive(ctx.account); // a suspended account sends nothing
        const credentials = ctx.principal.credentials;
        const key = parseIdempotencyKey(ctx.headers[IDEMPOTENCY_KEY_HEADER]);
        if (key === undefined) {
          const created = await messages.create(ctx.account, ctx.params, credentials);
          return { status: 201, body: toMessageJson(created) };
        }
        const once = await messages.createOnce(ctx.account, ctx.params, key, credentials);
        return {
          // A replay answers as the create did: 201, the message as it is now.
          status: 201,
          body: toMessageJson(once.message),
          ...(once.replayed && { headers: { [IDEMPOTENT_REPLAYED_HEADER]: 'true' } }),
        };
      },
      GET: async (ctx) => ({
        body: await listMessages(store, ctx.account.sid, ctx.path, ctx.params),
      }),
    },
    byAccount,
  );
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json',
    {
      GET: async ({ account, pathParams, path }) => ({
        body: toMessageJson(await messages.fetch(account, pathParams['Sid'] ?? '', path)),
      }),
      POST: async ({ account, pathParams, path, params }) => ({
        body: toMessageJson(await messages.update(account, pathParams['Sid'] ?? '', path, params)),
      }),
      DELETE: async ({ account, pathParams, path }) => {
        await messages.remove(account, pathParams['Sid'] ?? '', path);
        return { status: 204 };
      },
    },
    byAccount,
  );
}
