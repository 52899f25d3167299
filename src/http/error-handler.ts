import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { notFound, RETRY_AFTER_SECONDS, serviceUnavailable, TwilioError } from './errors.js';
import { storeUnavailable } from '../store/unavailable.js';
import type { Ids } from '../ids.js';
import { logCompletedIfEnabled, REQUEST_ID_HEADER, stampReply } from './request-id.js';

/** Fastify's own failures (body parsing, limits, bad URLs) translated to Twilio errors. */
function fromFramework(err: FastifyError): TwilioError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new TwilioError(413, 20001, 'Request body is too large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new TwilioError(
        415,
        20001,
        'Unsupported Content-Type: send application/x-www-form-urlencoded',
      );
    case 'FST_ERR_BAD_URL':
      return new TwilioError(400, 20001, 'Malformed URL: invalid percent-encoding');
    default:
      if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
        return new TwilioError(err.statusCode, 20001, err.message);
      }
      return undefined;
  }
}

/** Sends a TwilioError as Twilio's envelope. */
export function sendTwilioError(reply: FastifyReply, err: TwilioError): FastifyReply {
  return reply.code(err.status).type('application/json').send(err.toBody());
}

/**
 * The one place errors become responses: TwilioError → its envelope; framework 4xx → mapped;
 * the store unavailable → 503/20503 with `Retry-After` (logged once per burst by the store's
 * health, not per request); anything else → logged, 500/20500, and the process carries on.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, req: FastifyRequest, reply: FastifyReply) => {
    if (error instanceof TwilioError) return sendTwilioError(reply, error);
    const mapped = fromFramework(error);
    if (mapped) return sendTwilioError(reply, mapped);
    if (storeUnavailable(error)) {
      reply.header('retry-after', String(RETRY_AFTER_SECONDS));
      return sendTwilioError(reply, serviceUnavailable());
    }
    req.log.error({ err: error }, 'unhandled error');
    return sendTwilioError(reply, new TwilioError(500, 20500, 'Internal Server Error'));
  });
  app.setNotFoundHandler((req, reply) => {
    const q = req.url.indexOf('?');
    return sendTwilioError(reply, notFound(q < 0 ? req.url : req.url.slice(0, q)));
  });
}

/**
 * Fastify option: errors raised before routing (bad URL encoding) get the same envelope, request
 * headers and access line (no hook runs for them).
 */
export function frameworkErrors(
  error: FastifyError,
  req: FastifyRequest,
  reply: FastifyReply,
): void {
  stampReply(req, reply);
  void sendTwilioError(reply, fromFramework(error) ?? new TwilioError(400, 20001, error.message));
  logCompletedIfEnabled(req, reply);
}

/**
 * Fastify option: a request Node's HTTP parser refuses (a method it does not know, control bytes
 * in the URL or a header, bad framing, headers over the size limit) never reaches Fastify; the
 * socket gets Twilio's envelope and a request id instead of Fastify's own
 * `{error, message, statusCode}` body, then closes.
 */
export function clientErrorHandler(ids: Ids) {
  return (err: Error & { code?: string }, socket: Duplex): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const error =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new TwilioError(431, 20001, 'Request header fields too large')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new TwilioError(408, 20001, 'Request timeout')
          : new TwilioError(400, 20001, 'Malformed HTTP request');
    if (socket.writable) {
      const body = JSON.stringify(error.toBody());
      socket.write(
        `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
          `${REQUEST_ID_HEADER}: ${ids.sid('RQ')}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}
