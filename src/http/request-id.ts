import {
  LogController,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from 'fastify';
import type { Ids } from '../ids.js';

/** Twilio's request id header: `RQ` + 32 hex digits on every API response. */
export const REQUEST_ID_HEADER = 'Twilio-Request-Id';
/** Twilio's processing time header, in seconds with three decimals. */
export const REQUEST_DURATION_HEADER = 'Twilio-Request-Duration';

/**
 * Fastify options that make every request's id a Twilio request SID from the injected `ids`,
 * never one the client sends (Twilio does not take one). Fastify binds it to the request's
 * logger as `reqId`, so the log lines of a request carry the id its response shows.
 */
export function requestIdOptions(ids: Ids) {
  return { genReqId: () => ids.sid('RQ'), requestIdHeader: false as const };
}

/**
 * Logs a finished request's access line (LOG_REQUESTS=on): its `reqId` (the Twilio-Request-Id),
 * method, route template, path without the query (which may hold a token), status and
 * duration.
 */
export function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  const q = request.url.indexOf('?');
  reply.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? null,
      url: q === -1 ? request.url : request.url.slice(0, q),
      statusCode: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 100) / 100,
    },
    'request completed',
  );
}

/** Where an app keeps its LOG_REQUESTS setting (for the lines of errors raised before routing). */
const LOG_REQUESTS = Symbol('loft.logRequests');

/** Marks an app's access lines as wanted (LOG_REQUESTS=on). */
export function enableRequestLog(app: FastifyInstance): void {
  app.decorate(LOG_REQUESTS, true);
}

/** The access line of a request answered outside the routes, if LOG_REQUESTS is on. */
export function logCompletedIfEnabled(request: FastifyRequest, reply: FastifyReply): void {
  if ((request.server as unknown as Record<symbol, unknown>)[LOG_REQUESTS] === true) {
    logCompleted(request, reply);
  }
}

/**
 * Request logging: with LOG_REQUESTS=on, one `request completed` line per request instead of
 * Fastify's two; none otherwise. Failures (5xx) keep Fastify's `request errored` line always.
 */
export class AccessLog extends LogController {
  constructor(private readonly enabled: boolean) {
    super();
  }

  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) super.requestCompleted(error, request, reply);
    else if (this.enabled) logCompleted(request, reply);
  }
}

/** Sets Twilio's request headers on a reply about to be sent. */
export function stampReply(req: FastifyRequest, reply: FastifyReply): void {
  reply.header(REQUEST_ID_HEADER, req.id);
  reply.header(REQUEST_DURATION_HEADER, (reply.elapsedTime / 1000).toFixed(3));
}

/**
 * Every response carries `Twilio-Request-Id` and `Twilio-Request-Duration`, as Twilio's do
 * (twilio.com/blog/twilio-request-telemetry): routes, errors, 404s, /sim and /loft alike.
 * The onSend hook covers every reply but those of errors raised before routing (bad URL
 * encoding), which `frameworkErrors` stamps itself.
 */
export function installRequestHeaders(app: FastifyInstance): void {
  // A callback hook, not an async one: it runs on every request, and a promise per request shows.
  app.addHook('onSend', (req, reply, payload, done) => {
    stampReply(req, reply);
    done(null, payload);
  });
}
