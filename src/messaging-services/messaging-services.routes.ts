import type { FastifyInstance } from 'fastify';
import { requestOrigin, withRequestOrigin } from '../http/origin.js';
import { resource } from '../http/resource.js';
import type { Store } from '../store/store.js';
import { toServiceJson, toServicePhoneNumberJson } from './messaging-services.mapper.js';
import type { MessagingServicesService } from './messaging-services.service.js';

/**
 * Messaging v1: `/v1/Services`, `/v1/Services/{Sid}`, `/v1/Services/{ServiceSid}/PhoneNumbers`
 * and `/v1/Services/{ServiceSid}/PhoneNumbers/{Sid}`. Basic auth as for 2010-04-01; with no
 * account in the path, the account is the principal's. Absolute URLs in the responses name this
 * server as the client reached it (see `withRequestOrigin`).
 */
export function serviceRoutes(
  app: FastifyInstance,
  store: Store,
  services: MessagingServicesService,
): void {
  withRequestOrigin(app, (scope) => {
    resource(scope, store, '/v1/Services', {
      POST: async ({ account, params }) => ({
        status: 201,
        body: toServiceJson(await services.create(account, params), requestOrigin()),
      }),
      GET: async ({ account, params, path }) => {
        const origin = requestOrigin();
        return { body: await services.list(account, origin + path, params, origin) };
      },
    });
    resource(scope, store, '/v1/Services/:Sid', {
      GET: async ({ account, pathParams, path }) => ({
        body: toServiceJson(
          await services.fetch(account, pathParams['Sid'] ?? '', path),
          requestOrigin(),
        ),
      }),
      POST: async ({ account, pathParams, path, params }) => ({
        body: toServiceJson(
          await services.update(account, pathParams['Sid'] ?? '', path, params),
          requestOrigin(),
        ),
      }),
      DELETE: async ({ account, pathParams, path }) => {
        await services.remove(account, pathParams['Sid'] ?? '', path);
        return { status: 204 };
      },
    });
    resource(scope, store, '/v1/Services/:ServiceSid/PhoneNumbers', {
      POST: async ({ account, pathParams, path, params }) => ({
        status: 201,
        body: toServicePhoneNumberJson(
          await services.addPhoneNumber(account, pathParams['ServiceSid'] ?? '', path, params),
          requestOrigin(),
        ),
      }),
      GET: async ({ account, pathParams, path, params }) => {
        const origin = requestOrigin();
        const serviceSid = pathParams['ServiceSid'] ?? '';
        return {
          body: await services.listPhoneNumbers(
            account,
            serviceSid,
            path,
            origin + path,
            params,
            origin,
          ),
        };
      },
    });
    resource(scope, store, '/v1/Services/:ServiceSid/PhoneNumbers/:Sid', {
      GET: async ({ account, pathParams, path }) => ({
        body: toServicePhoneNumberJson(
          await services.fetchPhoneNumber(
            account,
            pathParams['ServiceSid'] ?? '',
            pathParams['Sid'] ?? '',
            path,
          ),
          requestOrigin(),
        ),
      }),
      DELETE: async ({ account, pathParams, path }) => {
        await services.removePhoneNumber(
          account,
          pathParams['ServiceSid'] ?? '',
          pathParams['Sid'] ?? '',
          path,
        );
        return { status: 204 };
      },
    });
  });
}
