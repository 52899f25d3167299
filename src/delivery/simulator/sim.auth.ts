import type { FastifyInstance, FastifyRequest } from 'fastify';
import { authenticate, authorizeAccount, type Principal } from '../../http/auth.js';
import { TwilioError } from '../../http/errors.js';
import type { Store } from '../../store/store.js';

/** Who is calling `/sim`, and whether they may change the network for everyone. */
export interface SimCaller {
  principal: Principal;
  /** The main account with its auth token (not an API key): network-wide control. */
  admin: boolean;
}

/**
 * 403 for valid credentials lacking a permission. Twilio's 20403 is its "403 Forbidden"
 * (twilio.com/docs/api/errors/20403: the account lacks permission).
 */
export const forbidden = (): TwilioError =>
  new TwilioError(
    403,
    20403,
    "Forbidden: network-wide simulator settings need the main account's SID and auth token",
  );

/**
 * Puts `/sim` (every route of `app`, an encapsulated plugin) behind the API's authentication:
 * a request without valid credentials is 401/20003 before anything else runs. Returns how a
 * handler reads its caller.
 */
export function simAuth(app: FastifyInstance, store: Store): (req: FastifyRequest) => SimCaller {
  const callers = new WeakMap<FastifyRequest, SimCaller>();
  app.addHook('onRequest', async (req) => {
    // Test credentials reach no /sim route (403 / 20008, as every route but Messages create).
    const route = `${req.method} ${req.routeOptions.url ?? req.url}`;
    const principal = await authenticate(store, req.headers.authorization, route);
    const main = await store.settings.get('main_account_sid');
    callers.set(req, {
      principal,
      admin: principal.apiKeySid === undefined && principal.account.sid === main,
    });
  });
  return (req) => {
    const caller = callers.get(req);
    if (!caller) throw new Error('simAuth: request was not authenticated');
    return caller;
  };
}

/** Requires network-wide control (403 otherwise). */
export function requireAdmin(caller: SimCaller): void {
  if (!caller.admin) throw forbidden();
}

/** Whether the caller acts for `accountSid`: itself or one of its subaccounts. */
export async function actsFor(store: Store, caller: SimCaller, accountSid: string) {
  return authorizeAccount(store, caller.principal, accountSid).then(
    () => true,
    () => false,
  );
}
