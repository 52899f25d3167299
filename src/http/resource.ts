import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Store } from '../store/store.js';
import { authenticate, authorizeAccount } from './auth.js';
import type { TwilioContext, TwilioHandler, TwilioMethod } from './context.js';
import { TwilioError, unauthorized } from './errors.js';
import type { FormParams } from './form.js';

const ALL_METHODS = ['GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'] as const;

/** How a resource finds the account it acts on. */
export interface ResourceOptions {
  /** Path parameter holding the target account SID; none = the principal's own account. */
  accountParam?: string;
  /** Only account credentials (not API keys) may call it: Keys and Accounts management. */
  accountCredentialsOnly?: boolean;
}

/**
 * Registers one Twilio resource path: the given methods run behind Basic auth and account
 * authorization; every other method answers 405/20004 like Twilio.
 */
export function resource(
  app: FastifyInstance,
  store: Store,
  url: string,
  handlers: Partial<Record<TwilioMethod, TwilioHandler>>,
  options: ResourceOptions = {},
): void {
  for (const [method, handler] of Object.entries(handlers) as [TwilioMethod, TwilioHandler][]) {
    app.route({
      method,
      url,
      handler: async (req, reply) => {
        const ctx = await contextOf(store, req, method, url, options);
        const result = await handler(ctx);
        const status = result.status ?? 200;
        if (result.headers) void reply.headers(result.headers);
        if (status === 204) return reply.code(204).send();
        return reply.code(status).send(result.body);
      },
    });
  }
  const allowed = Object.keys(handlers);
  app.route({
    method: ALL_METHODS.filter((m) => !(m in handlers)),
    url,
    handler: () => {
      throw new TwilioError(405, 20004, `Method not allowed (allowed: ${allowed.join(', ')})`);
    },
  });
}

async function contextOf(
  store: Store,
  req: FastifyRequest,
  method: TwilioMethod,
  url: string,
  options: ResourceOptions,
): Promise<TwilioContext> {
  const principal = await authenticate(store, req.headers.authorization, `${method} ${url}`);
  if (options.accountCredentialsOnly && principal.apiKeySid) throw unauthorized();
  const pathParams = req.params as Record<string, string>;
  const accountSid = options.accountParam ? pathParams[options.accountParam] : undefined;
  const account =
    accountSid === undefined
      ? principal.account
      : await authorizeAccount(store, principal, accountSid);
  const raw = method === 'POST' ? req.body : req.query;
  const params = (raw && typeof raw === 'object' ? raw : {}) as FormParams;
  const q = req.url.indexOf('?');
  const path = q < 0 ? req.url : req.url.slice(0, q);
  return { principal, account, params, pathParams, path, headers: req.headers };
}
