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

/** Logs a finished request's access line: method, URL, status, time, and its `reqId`. */
export function logCompleted(request: FastifyRequest, reply: FastifyReply): void {
  reply.log.info(
    {
      method: request.method,
      url: request.url,
      statusCode: reply.statusCode,
      responseTime: reply.elapsedTime,
    },
    'request completed',
  );
}

/**
 * Request logging: one `request completed` line per request instead of Fastify's two;
 * failures keep Fastify's `request errored` line.
 */
export class AccessLog extends LogController {
  override incomingRequest(): void {}

  override requestCompleted(
    error: Error | null | undefined,
    request: FastifyRequest,
    reply: FastifyReply,
  ): void {
    if (error) super.requestCompleted(error, request, reply);
    else logCompleted(request, reply);
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
