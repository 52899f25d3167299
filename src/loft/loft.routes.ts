import type { FastifyInstance } from 'fastify';
import type { AccountsService } from '../accounts/accounts.service.js';
import { notFound } from '../http/errors.js';
import { resource } from '../http/resource.js';
import type { Store, WebhookAttempt } from '../store/store.js';
import { signature } from '../webhooks/signature.js';
import type { Clock } from '../clock.js';
import { consoleMessages } from './loft.messages.js';
import { handsets, overview } from './loft.overview.js';
import { messageStreamRoute } from './loft.stream.js';

/**
 * The `X-Twilio-Signature` an attempt carried, computed again with the account's current auth
 * token: over the URL as requested without any `user:password@` (Twilio signs it without them)
 * and, for a POST, its parameters. Null for a URL that never went out (invalid).
 */
function attemptSignature(authToken: string, a: WebhookAttempt): string | null {
  let url: URL;
  try {
    url = new URL(a.url);
  } catch {
    return null;
  }
  let signed = a.url;
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
    signed = url.href;
  }
  return signature(authToken, signed, a.method === 'POST' ? a.params : {});
}

/** Messages deleted per transaction by `DELETE /loft/v1/Accounts/{AC}/Messages`. */
const RESET_BATCH = 200;

/**
 * Loft's own API (not Twilio's): a message's status history and the attempt log of its
 * webhooks (status callbacks and inbound), for test authors and the console, an account's
 * test credentials (Twilio shows them only in its console), and a reset of its finished
 * messages. Same Basic auth and account scoping as the Twilio API.
 */
export function loftRoutes(
  app: FastifyInstance,
  store: Store,
  accounts: AccountsService,
  clock: Clock,
): void {
  const byAccount = { accountParam: 'AccountSid' };
  // Credentials, like Keys and Accounts: the account's (or its parent's) own, not an API key.
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/TestCredentials',
    {
      GET: async ({ account }) => {
        const test = await accounts.testCredentials(account);
        return {
          body: {
            account_sid: account.sid,
            test_account_sid: test.testSid,
            test_auth_token: test.authToken,
            date_created: new Date(test.dateCreated).toISOString(),
          },
        };
      },
    },
    { ...byAccount, accountCredentialsOnly: true },
  );
  // GET: the console's message log (any client may use it), the API's list with more filters.
  // DELETE, "clear everything" between tests: every finished message of the account goes, each
  // erased as DELETE …/Messages/{Sid}.json erases one (media, history, handset copies, webhooks
  // and attempts); messages still being processed stay. Batches keep each transaction short.
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/Messages',
    {
      GET: async ({ account, path, params }) => ({
        body: await consoleMessages(store, account.sid, path, params),
      }),
      DELETE: async ({ account }) => {
        let deleted = 0;
        for (;;) {
          const n = await store.messages.deleteFinished(account.sid, RESET_BATCH);
          deleted += n;
          if (n < RESET_BATCH) break;
        }
        return { body: { account_sid: account.sid, deleted } };
      },
    },
    byAccount,
  );
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
              signature: attemptSignature(account.authToken, a),
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
  // The console's reads (any client may use them): live, an account's last hour, handsets.
  messageStreamRoute(app, store);
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/Overview',
    { GET: async ({ account }) => ({ body: await overview(store, account.sid, clock.now()) }) },
    byAccount,
  );
  resource(
    app,
    store,
    '/loft/v1/Accounts/:AccountSid/Handsets',
    { GET: async ({ account }) => ({ body: await handsets(store, account.sid) }) },
    byAccount,
  );
}
