import { AsyncLocalStorage } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';

// The origin of the request being handled, for handlers that only receive a TwilioContext.
const origins = new AsyncLocalStorage<string>();

const HOST = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/;

/**
 * `scheme://host[:port]` as the client addressed this server: the Host header and the socket's
 * scheme (X-Forwarded-Host/-Proto only when Fastify's `trustProxy` allows). A missing or odd Host
 * falls back to `http://localhost`.
 */
export function originOf(req: FastifyRequest): string {
  const host = req.host;
  const scheme = req.protocol === 'https' ? 'https' : 'http';
  return HOST.test(host) ? `${scheme}://${host}` : `${scheme}://localhost`;
}

/**
 * The origin of the request in progress. Only inside routes registered through
 * {@link withRequestOrigin}; throws elsewhere (a programming error, not an input error).
 */
export function requestOrigin(): string {
  const origin = origins.getStore();
  if (origin === undefined) throw new Error('requestOrigin() used outside withRequestOrigin');
  return origin;
}

/**
 * Registers `routes` in an encapsulated scope whose handlers can call {@link requestOrigin}.
 * APIs whose responses carry absolute URLs (Messaging v1's `url`, `links`, `meta.*_url`, which
 * the SDKs follow verbatim) build them from it, so they point back at whatever address the
 * client used, whatever the port or host name.
 */
export function withRequestOrigin(
  app: FastifyInstance,
  routes: (scope: FastifyInstance) => void,
): void {
  // Fastify: an async plugin's throw (e.g. a duplicate route) rejects ready(); a callback
  // plugin's would crash the process.
  // eslint-disable-next-line @typescript-eslint/require-await
  void app.register(async (scope) => {
    scope.addHook('onRoute', (route) => {
      const handler = route.handler;
      route.handler = function (this: FastifyInstance, req, reply) {
        return origins.run(originOf(req), () => handler.call(this, req, reply));
      };
    });
    routes(scope);
  });
}
