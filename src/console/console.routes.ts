import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../clock.js';
import { authenticate, authorizeAccount, type Principal } from '../http/auth.js';
import { TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { formBodiesOnly } from '../http/form.parser.js';
import type { Store } from '../store/store.js';
import { basicHeader, installSessionAuth } from './console.auth.js';
import { consoleAssets } from './console.assets.js';
import { messagePage, PAGES, shell, signInPage, type PageName } from './console.html.js';
import {
  consoleSessions,
  readCookie,
  SESSION_COOKIE,
  SESSION_TTL_MS,
  SIGNIN_COOKIE,
  type ConsoleSession,
} from './console.session.js';

/** What the console is built from. */
export interface ConsoleDeps {
  store: Store;
  clock: Clock;
}

/**
 * Content-Security-Policy of every console page: only this server's scripts, styles and images
 * (media are served by the API), no framing, forms post only here.
 */
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
  "media-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
  "base-uri 'none'";

/** The route every console page's credentials check is made for (any live credentials). */
const CONSOLE_ROUTE = 'GET /console';

const SUB_PAGES: Partial<Record<PageName, string>> = { message: 'messages', handset: 'handsets' };

const html = (reply: FastifyReply, status: number, body: string): FastifyReply =>
  reply
    .code(status)
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('referrer-policy', 'same-origin')
    .header('cache-control', 'no-store')
    .type('text/html; charset=utf-8')
    .send(body);

/** A cookie that only this site's own requests carry, unreadable by scripts. */
function cookie(req: FastifyRequest, name: string, value: string, maxAgeS: number, path = '/') {
  const https =
    req.protocol === 'https' || req.headers['x-forwarded-proto']?.toString().startsWith('https');
  return (
    `${name}=${value}; Path=${path}; Max-Age=${maxAgeS}; HttpOnly; SameSite=Strict` +
    (https ? '; Secure' : '')
  );
}

/**
 * The web console: `GET /` redirects to `/console`, a sign-in form sets a session cookie, and
 * each page is a server-rendered shell whose script reads and changes everything through the
 * HTTP API (Twilio's, `/loft/v1` and `/sim`) with that cookie (see `installSessionAuth`).
 * Call before the API's routes are registered: the cookie hook must run for them.
 */
export function installConsole(app: FastifyInstance, deps: ConsoleDeps): void {
  const sessions = consoleSessions(deps);
  const assets = consoleAssets();
  installSessionAuth(app, sessions);

  app.get('/', async (_req, reply) => reply.redirect('/console', 302));

  // Fastify: an async plugin's throw (e.g. a duplicate route) rejects ready(); a callback
  // plugin's would crash the process.
  // eslint-disable-next-line @typescript-eslint/require-await
  void app.register(async (ui) => {
    formBodiesOnly(ui);

    /** The signed-in user, or undefined (no cookie, or one no longer valid). */
    const signedIn = async (
      req: FastifyRequest,
    ): Promise<{ session: ConsoleSession; principal: Principal } | undefined> => {
      const session = await sessions.open(readCookie(req.headers.cookie, SESSION_COOKIE));
      if (!session) return undefined;
      try {
        const header = basicHeader(session.username, session.secret);
        return { session, principal: await authenticate(deps.store, header, CONSOLE_ROUTE) };
      } catch (e) {
        if (e instanceof TwilioError) return undefined; // token rotated, key deleted, closed
        throw e;
      }
    };

    const signInForm = async (
      req: FastifyRequest,
      reply: FastifyReply,
      status: number,
      error?: string,
      username?: string,
    ) => {
      const nonce = sessions.nonce();
      reply.header('set-cookie', cookie(req, SIGNIN_COOKIE, nonce, 3600, '/console'));
      const csrf = await sessions.signinToken(nonce);
      return html(reply, status, signInPage({ csrf, error, username }));
    };

    ui.get('/console', async (req, reply) => {
      const user = await signedIn(req);
      if (!user) return reply.redirect('/console/signin', 302);
      return reply.redirect(`/console/${user.principal.account.sid}/messages`, 302);
    });

    ui.get('/console/signin', async (req, reply) => {
      if (await signedIn(req)) return reply.redirect('/console', 302);
      return signInForm(req, reply, 200);
    });

    ui.post('/console/signin', async (req, reply) => {
      const form = (req.body ?? {}) as FormParams;
      const username = (single(form, 'username') ?? '').trim();
      const password = single(form, 'password') ?? '';
      const nonce = readCookie(req.headers.cookie, SIGNIN_COOKIE);
      const token = single(form, 'csrf');
      // Login CSRF: the form's token must be the one made for this browser's sign-in cookie.
      if (!nonce || !token || token !== (await sessions.signinToken(nonce))) {
        return signInForm(req, reply, 403, 'The sign-in form expired. Please try again.', username);
      }
      let principal: Principal;
      try {
        principal = await authenticate(
          deps.store,
          basicHeader(username, password),
          'POST /console/signin',
        );
      } catch (e) {
        if (!(e instanceof TwilioError)) throw e;
        const message =
          e.code === 20008
            ? 'Test credentials cannot sign in: use the live Account SID and Auth Token.'
            : 'The Account SID (or API key SID) and Auth Token (or secret) do not match.';
        return signInForm(req, reply, 401, message, username);
      }
      const { cookie: value } = await sessions.issue(username, password);
      reply.header('set-cookie', [
        cookie(req, SESSION_COOKIE, value, SESSION_TTL_MS / 1000),
        cookie(req, SIGNIN_COOKIE, '', 0, '/console'),
      ]);
      return reply.redirect(`/console/${principal.account.sid}/messages`, 303);
    });

    ui.post('/console/signout', async (req, reply) => {
      const session = await sessions.open(readCookie(req.headers.cookie, SESSION_COOKIE));
      const token = single((req.body ?? {}) as FormParams, 'csrf');
      if (session) {
        if (!(await sessions.checkCsrf(session, token))) {
          return html(
            reply,
            403,
            messagePage('Not signed out', 'The form expired: reload the page and sign out again.'),
          );
        }
        await sessions.revoke(session);
      }
      reply.header('set-cookie', cookie(req, SESSION_COOKIE, '', 0));
      return reply.redirect('/console/signin', 303);
    });

    ui.get('/console/assets/:name', async (req, reply) => {
      const asset = await assets.get((req.params as { name: string }).name);
      if (!asset) return reply.callNotFound();
      if (req.headers['if-none-match'] === asset.etag) return reply.code(304).send();
      return reply
        .header('content-type', asset.type)
        .header('etag', asset.etag)
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .send(asset.body);
    });

    const page = (name: PageName, withItem = false) => {
      const sub = SUB_PAGES[name];
      const url = `/console/:AccountSid/${sub ?? name}${withItem ? '/:Item' : ''}`;
      ui.get(url, async (req, reply) => {
        const user = await signedIn(req);
        if (!user) return reply.redirect('/console/signin', 302);
        const params = req.params as { AccountSid: string; Item?: string };
        let account;
        try {
          account = await authorizeAccount(deps.store, user.principal, params.AccountSid);
        } catch (e) {
          if (!(e instanceof TwilioError)) throw e;
          // The API answers another account's path with 401; a page says it plainly.
          return html(
            reply,
            404,
            messagePage('Not found', `There is no account ${params.AccountSid} you can see.`, {
              href: '/console',
              label: 'Back to your messages',
            }),
          );
        }
        const { principal, session } = user;
        return html(
          reply,
          200,
          shell({
            page: name,
            accountSid: account.sid,
            accountName: account.friendlyName,
            principalSid: principal.account.sid,
            ...(principal.apiKeySid !== undefined ? { apiKeySid: principal.apiKeySid } : {}),
            admin:
              principal.apiKeySid === undefined &&
              principal.account.sid === (await deps.store.settings.get('main_account_sid')),
            csrf: await sessions.csrf(session),
            ...(params.Item !== undefined && { item: params.Item }),
          }),
        );
      });
    };
    for (const name of Object.keys(PAGES) as PageName[]) page(name, name in SUB_PAGES);
  });
}
