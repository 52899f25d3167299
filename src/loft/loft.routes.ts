import type { FastifyInstance } from 'fastify';
import { notFound } from '../http/errors.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';

/**
 * Loft's own read API (not Twilio's): a message's status history and the attempt log of its
 * webhooks (status callbacks and inbound), for test authors and the console. Same Basic auth and
 * account scoping as the Twilio API.
 */
export function loftRoutes(app: FastifyInstance, store: Store): void {
  const byAccount = { accountParam: 'AccountSid' };
  const message = async (accountSid: string, sid: string, path: string) => {
    const m = await store.messages.get(accountSid, sid);
    if (!m) throw notFound(path);
    return m;
  };
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/Messages/:Sid/Events',
    {
      GET: async ({ account, pathParams, path }) => {
        const m = await message(account.sid, pathParams['Sid'] ?? '', path);
        const history = await store.messages.history(m.sid);
        return {
          body: {
            message_sid: m.sid,
            events: history.map((e) => ({
              status: e.status,
              error_code: e.errorCode,
              date: new Date(e.at).toISOString(),
            })),
          },
        };
      },
    },
    byAccount,
  );
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/Messages/:Sid/WebhookAttempts',
    {
      GET: async ({ account, pathParams, path }) => {
        const m = await message(account.sid, pathParams['Sid'] ?? '', path);
        const attempts = await store.webhooks.attempts(m.sid);
        return {
          body: {
            message_sid: m.sid,
            attempts: attempts.map((a) => ({
              url: a.url,
              method: a.method,
              params: a.params,
              response_status: a.responseStatus,
              response_excerpt: a.responseExcerpt,
              error: a.error,
              latency_ms: a.latencyMs,
              date: new Date(a.attemptedAt).toISOString(),
              next_retry: a.nextRetryAt === null ? null : new Date(a.nextRetryAt).toISOString(),
            })),
          },
        };
      },
    },
    byAccount,
  );
}
