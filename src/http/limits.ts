import type { Server } from 'node:http';
import type { FastifyHttpOptions } from 'fastify';
import { TwilioError } from './errors.js';

/** Limits and timeouts of the HTTP server (README: "Limits"). */
export interface HttpLimits {
  /** Request line plus headers, in bytes (Node's default); 431 beyond. */
  maxHeaderSize: number;
  /** Longest request target (path and query), in characters; 414 beyond. */
  urlLength: number;
  /** Time to receive a request's headers; the connection gets 408 and is closed after it. */
  headersTimeoutMs: number;
  /** Time to receive a whole request, body included; 408 and closed after it. */
  requestTimeoutMs: number;
  /** How often the two timeouts above are checked. */
  timeoutCheckMs: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: number;
  /** A connection with no traffic either way for this long is closed (above the longest long-poll). */
  idleTimeoutMs: number;
}

/** The limits Loft runs with. */
export const HTTP_LIMITS: Readonly<HttpLimits> = {
  maxHeaderSize: 16 * 1024,
  urlLength: 8 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  timeoutCheckMs: 1_000,
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 60_000,
};

/** The Fastify options that apply `limits` to the HTTP server. */
export function serverOptions(limits: HttpLimits): FastifyHttpOptions<Server> {
  return {
    http: {
      maxHeaderSize: limits.maxHeaderSize,
      headersTimeout: limits.headersTimeoutMs,
      connectionsCheckingInterval: limits.timeoutCheckMs,
    },
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionTimeout: limits.idleTimeoutMs,
  };
}

/** 414 / 20001 when the request target is longer than `limits.urlLength`. */
export function urlTooLong(url: string, limits: HttpLimits): TwilioError | undefined {
  if (url.length <= limits.urlLength) return undefined;
  return new TwilioError(414, 20001, `URL is longer than ${limits.urlLength} characters`);
}
