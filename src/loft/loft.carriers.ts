import type { FastifyInstance } from 'fastify';
import { TwilioError } from '../http/errors.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import type { CarrierListing } from '../delivery/carriers/carriers.setup.js';

/**
 * `GET /loft/v1/Carriers`: the state of every network carrier's binds (bound, reconnecting,
 * refused with its command_status, window in use) and the simulator when it is on. Operators'
 * business: a main account's own credentials only (subaccounts and API keys get 403/20403).
 */
export function carrierRoutes(
  app: FastifyInstance,
  store: Store,
  carriers: () => CarrierListing[],
): void {
  resource(
    app,
    store,
    '/loft/v1/Carriers',
    {
      GET: ({ account }) => {
        if (account.ownerAccountSid !== account.sid) {
          throw new TwilioError(403, 20403, 'Only a main account may list the carriers');
        }
        return { body: { carriers: carriers() } };
      },
    },
    { accountCredentialsOnly: true },
  );
}
