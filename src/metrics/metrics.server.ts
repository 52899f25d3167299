import Fastify, { type FastifyInstance } from 'fastify';
import { installErrorHandling } from '../http/error-handler.js';
import type { LoftMetrics } from './metrics.js';
import { livenessRoute, metricsRoutes, type MetricsAccess } from './metrics.routes.js';

/** The HTTP side of a process without the API (`loft worker`): metrics and probes only. */
export interface MetricsServer {
  app: FastifyInstance;
  /** `http://host:port` it listens on. */
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` and `GET /livez` on `port` (0: a free one), for `loft worker`, which
 * has no API to carry them. Errors answer in Twilio's envelope, like the API's.
 */
export async function startMetricsServer(opts: {
  metrics: LoftMetrics;
  access: MetricsAccess;
  host: string;
  port: number;
}): Promise<MetricsServer> {
  const app = Fastify({ logger: false });
  installErrorHandling(app);
  livenessRoute(app);
  metricsRoutes(app, opts.metrics, opts.access);
  try {
    await app.listen({ host: opts.host, port: opts.port });
  } catch (e) {
    await app.close();
    throw e;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return { app, url: `http://${host}:${port}`, close: () => app.close() };
}
