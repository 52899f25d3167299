import type { FastifyInstance } from 'fastify';
import { authenticate, authorizeAccount } from '../http/auth.js';
import { notFound, TwilioError } from '../http/errors.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import { listMedia } from './media.list.js';
import { toMediaJson } from './media.mapper.js';
import { isStored } from './media.pending.js';

const MESSAGE = '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid';

/**
 * The Media subresource: `…/Media.json` (list), `…/Media/{Sid}.json` (fetch, delete) and
 * `…/Media/{Sid}` (the bytes, with their Content-Type). All behind Basic auth.
 */
export function mediaRoutes(app: FastifyInstance, store: Store): void {
  const byAccount = { accountParam: 'AccountSid' };
  resource(
    app,
    store,
    `${MESSAGE}/Media.json`,
    {
      GET: async ({ account, pathParams, path, params }) => {
        const messageSid = pathParams['MessageSid'] ?? '';
        if (!(await store.messages.get(account.sid, messageSid))) throw notFound(path);
        return { body: await listMedia(store, account.sid, messageSid, path, params) };
      },
    },
    byAccount,
  );
  resource(
    app,
    store,
    `${MESSAGE}/Media/:Sid.json`,
    {
      GET: async ({ account, pathParams, path }) => {
        const m = await store.media.get(
          account.sid,
          pathParams['MessageSid'] ?? '',
          pathParams['Sid'] ?? '',
        );
        if (!m) throw notFound(path);
        return { body: toMediaJson(m) };
      },
      DELETE: async ({ account, pathParams, path }) => {
        const deleted = await store.media.delete(
          account.sid,
          pathParams['MessageSid'] ?? '',
          pathParams['Sid'] ?? '',
        );
        if (!deleted) throw notFound(path);
        return { status: 204 };
      },
    },
    byAccount,
  );
  mediaContentRoute(app, store);
}

/** `GET …/Media/{Sid}`: the stored bytes. Twilio requires Basic auth on media URLs. */
function mediaContentRoute(app: FastifyInstance, store: Store): void {
  const url = `${MESSAGE}/Media/:Sid`;
  app.route({
    method: 'GET',
    url,
    handler: async (req, reply) => {
      const principal = await authenticate(store, req.headers.authorization, `GET ${url}`);
      const p = req.params as Record<string, string | undefined>;
      const account = await authorizeAccount(store, principal, p['AccountSid'] ?? '');
      const q = req.url.indexOf('?');
      const path = q < 0 ? req.url : req.url.slice(0, q);
      const found = await store.media.getContent(
        account.sid,
        p['MessageSid'] ?? '',
        p['Sid'] ?? '',
      );
      // Not fetched yet (or its MediaUrl failed): there are no bytes to serve. Twilio creates
      // Media only once stored (docs: messaging/api/media-resource); Loft's 404 here is its own.
      if (!found || !isStored(found.media)) throw notFound(path);
      return reply
        .code(200)
        .header('content-type', found.media.contentType)
        .header('content-length', String(found.content.length))
        .header('cache-control', 'private, no-store')
        .send(found.content);
    },
  });
  app.route({
    method: ['POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'],
    url,
    handler: () => {
      throw new TwilioError(405, 20004, 'Method not allowed (allowed: GET)');
    },
  });
}
