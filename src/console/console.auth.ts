import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TwilioError } from '../http/errors.js';
import {
  CSRF_HEADER,
  readCookie,
  SESSION_COOKIE,
  type ConsoleSessions,
} from './console.session.js';

/** The API paths the console calls with its session cookie instead of Basic auth. */
const API_PREFIXES = ['/2010-04-01/', '/v1/', '/loft/v1/', '/sim/'];

/** Methods that change something: they need the session's CSRF token. */
const MUTATING: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** 403 / 20403 (Twilio's "Forbidden") for a cookie-authenticated change without its token. */
export const csrfRefused = (): TwilioError =>
  new TwilioError(
    403,
    20403,
    `Forbidden: a change made with the console's session cookie needs its CSRF token (${CSRF_HEADER} header)`,
  );

/** Basic auth header value. */
export const basicHeader = (user: string, pass: string): string =>
  'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');

/** Whether the request carries the session cookie and no credentials of its own. */
export const usesSessionCookie = (req: FastifyRequest): boolean =>
  req.headers.authorization === undefined &&
  (req.headers.cookie?.includes(`${SESSION_COOKIE}=`) ?? false);

/**
 * Lets the browser console call the API with its session cookie: a request to an API path that
 * has no `Authorization` header but a valid session cookie proceeds as if it carried the
 * credentials the session was opened with (HTTP Basic), so every route authenticates and
 * authorizes it exactly as it would the same credentials sent by curl. POST, PUT, PATCH and
 * DELETE also need the session's CSRF token in `X-Loft-CSRF` (403 / 20403 without). A forged,
 * expired or signed-out cookie adds nothing: the request is then unauthenticated (401 / 20003).
 * Requests with their own `Authorization` header never look at the cookie.
 */
export function installSessionAuth(app: FastifyInstance, sessions: ConsoleSessions): void {
  // A callback hook: most requests carry no cookie and leave at once, without a promise.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!usesSessionCookie(req) || !API_PREFIXES.some((p) => req.url.startsWith(p))) {
      return done();
    }
    sessions.open(readCookie(req.headers.cookie, SESSION_COOKIE)).then(async (session) => {
      if (!session) return done();
      if (MUTATING.has(req.method)) {
        const token = req.headers[CSRF_HEADER];
        if (!(await sessions.checkCsrf(session, typeof token === 'string' ? token : undefined))) {
          return done(csrfRefused());
        }
      }
      req.raw.headers.authorization = basicHeader(session.username, session.secret);
      done();
    }, done);
  });
}
