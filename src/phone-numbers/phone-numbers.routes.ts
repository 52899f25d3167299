import type { FastifyInstance } from 'fastify';
import { requireActive } from '../http/auth.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import { toPhoneNumberJson } from './phone-numbers.mapper.js';
import type { PhoneNumbersService } from './phone-numbers.service.js';

/** `…/IncomingPhoneNumbers.json` and `…/IncomingPhoneNumbers/{Sid}.json`. */
export function phoneNumberRoutes(
  app: FastifyInstance,
  store: Store,
  service: PhoneNumbersService,
): void {
  const byAccount = { accountParam: 'AccountSid' };
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers.json',
    {
      POST: async ({ account, params }) => {
        requireActive(account); // a suspended account buys no numbers
        return { status: 201, body: toPhoneNumberJson(await service.create(account, params)) };
      },
      GET: async ({ account, path, params }) => ({
        body: await service.list(account, path, params),
      }),
    },
    byAccount,
  );
  resource(
    app,
    store,
    '/2010-04-01/Accounts/:AccountSid/IncomingPhoneNumbers/:Sid.json',
    {
      GET: async ({ account, pathParams, path }) => ({
        body: toPhoneNumberJson(await service.fetch(account, pathParams['Sid'] ?? '', path)),
      }),
      POST: async ({ account, pathParams, path, params }) => ({
        body: toPhoneNumberJson(
          await service.update(account, pathParams['Sid'] ?? '', path, params),
        ),
      }),
      DELETE: async ({ account, pathParams, path }) => {
        await service.remove(account, pathParams['Sid'] ?? '', path);
        return { status: 204 };
      },
    },
    byAccount,
  );
}
