import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwilioError } from '../http/errors.js';
import { sendTwilioError } from '../http/error-handler.js';
import { isLoopback } from '../http/loopback.js';
import type { LoftMetrics } from './metrics.js';

/** Who may read `/metrics`. */
export interface MetricsAccess {
  /**
   * METRICS_TOKEN: every scrape must send `Authorization: Bearer <token>`, from any address.
   * Unset: only clients on a loopback address are answered (403 for the others).
   */
  token?: string;
}

/** Route label of requests that matched no route (404s): one series, whatever the path. */
export const UNMATCHED_ROUTE = 'unmatched';

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

/** The bearer token of an Authorization header, if it carries one. */
function bearer(header: string | undefined): string | undefined {
  const m = header === undefined ? null : /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** Why `req` may not read the metrics, or undefined when it may. */
function refusal(req: FastifyRequest, token: Buffer | undefined): TwilioError | undefined {
  if (token) {
    const given = bearer(req.headers.authorization);
    // Digests of equal length: the comparison takes the same time whatever was sent.
    if (given !== undefined && timingSafeEqual(digest(given), token)) return undefined;
    return new TwilioError(401, 20003, 'Authenticate: /metrics needs the METRICS_TOKEN bearer');
  }
  if (isLoopback(req.socket.remoteAddress ?? '')) return undefined;
  return new TwilioError(
    403,
    20403,
    '/metrics answers loopback clients only: set METRICS_TOKEN to scrape it from elsewhere',
  );
}

/** `GET /livez`: the process is alive and serving (it reads nothing, the store included). */
export function livenessRoute(app: FastifyInstance): void {
  app.get('/livez', () => ({ status: 'ok' }));
}

/**
 * `GET /metrics` (Prometheus text) behind {@link MetricsAccess}, and the HTTP series: every
 * request answered by `app` is observed once it is sent, by route template, method and status.
 */
export function metricsRoutes(
  app: FastifyInstance,
  metrics: LoftMetrics,
  access: MetricsAccess,
): void {
  // A callback hook, not an async one: it runs on every request (see app.ts).
  app.addHook('onResponse', (req, reply, done) => {
    metrics.request(
      req.routeOptions.url ?? UNMATCHED_ROUTE,
      req.method,
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
    done();
  });
  const token = access.token === undefined ? undefined : digest(access.token);
  app.get('/metrics', async (req, reply) => {
    const refused = refusal(req, token);
    if (refused) {
      if (refused.status === 401) reply.header('www-authenticate', 'Bearer realm="loft"');
      return sendTwilioError(reply, refused);
    }
    const text = await metrics.scrape();
    return reply.type(metrics.contentType).send(text);
  });
}
