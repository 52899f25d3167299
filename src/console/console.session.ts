import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';

/** The session cookie's name. */
export const SESSION_COOKIE = 'loft_session';
/** The sign-in form's own cookie (login CSRF: the form's token is bound to it). */
export const SIGNIN_COOKIE = 'loft_signin';
/** The request header every mutating request authenticated by the session cookie must carry. */
export const CSRF_HEADER = 'x-loft-csrf';
/** How long a session lasts from sign-in. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Where the server secret lives: in the store, so every node sharing it agrees. */
const SECRET_KEY = 'console_session_secret';
/** Sign-outs are kept under this prefix plus the session id, until the session expires. */
const REVOKED_PREFIX = 'console_signed_out_';
/** A stale secret (another node won the first-start race) is re-read at most this often. */
const RELOAD_MS = 1000;
const COOKIE_VERSION = 'v1.';
/** Tells every process sharing the store that a session was signed out. */
export const SIGNOUT_CHANNEL = 'loft_console_signout';
/** How long a "not signed out" answer is kept when no sign-out signal arrives. */
const NOT_REVOKED_TTL_MS = 5_000;

/** A signed-in browser: the credentials it signed in with, kept inside the sealed cookie. */
export interface ConsoleSession {
  /** Random id: what sign-out revokes, and what the CSRF token is bound to. */
  id: string;
  /** Account SID or API key SID. */
  username: string;
  /** Auth token or API key secret. */
  secret: string;
  /** Epoch ms. */
  expiresAt: number;
}

/** Issues, opens and revokes console sessions. One per app; no module state. */
export interface ConsoleSessions {
  /** A new session for credentials already verified, and its cookie value. */
  issue(username: string, secret: string): Promise<{ session: ConsoleSession; cookie: string }>;
  /** The session a cookie value holds: undefined when forged, expired or signed out. */
  open(cookie: string | undefined): Promise<ConsoleSession | undefined>;
  /** The session's CSRF token (the same on every node). */
  csrf(session: ConsoleSession): Promise<string>;
  /** Whether `token` is the session's CSRF token (constant time). */
  checkCsrf(session: ConsoleSession, token: string | undefined): Promise<boolean>;
  /** Signs the session out on every node: its cookie is refused from now on. */
  revoke(session: ConsoleSession): Promise<void>;
  /** The sign-in form's token for a `loft_signin` cookie value. */
  signinToken(nonce: string): Promise<string>;
  /** A random value for a `loft_signin` cookie. */
  nonce(): string;
}

const b64 = (b: Buffer): string => b.toString('base64url');

const sameString = (a: string, b: string): boolean => {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
};

/**
 * Console sessions sealed in the cookie: the credentials the user signed in with, encrypted and
 * authenticated with AES-256-GCM under a key derived (HMAC-SHA256) from a server secret kept in
 * the store's settings, so any node of a PostgreSQL deployment opens any node's cookie. The
 * console then calls the API with those credentials, so authorization is the API's own: a token
 * rotated, a key deleted or an account closed ends the session at once. Sign-out is recorded in
 * the store (checked on every request), so a copied cookie is refused after it on every node.
 */
export function consoleSessions(deps: { store: Store; clock: Clock }): ConsoleSessions {
  const { store, clock } = deps;
  let secret: Promise<Buffer> | undefined;
  let loadedAt = 0;
  // Sessions known not to be signed out, so a request does not read the store each time. A
  // sign-out through any process clears them everywhere (the store's signals); answers read
  // before a clear are not kept.
  const live = new LRUCache<string, true>({ max: 10_000, ttl: NOT_REVOKED_TTL_MS });
  let generation = 0;
  const forget = () => {
    generation++;
    live.clear();
  };
  let listening: Promise<unknown> | undefined;
  // Without signals (or if subscribing fails), the TTL alone bounds how long one is kept.
  const listen = () =>
    (listening ??= Promise.resolve(store.signals?.subscribe(SIGNOUT_CHANNEL, forget)).catch(
      () => undefined,
    ));
  const signedOut = async (id: string): Promise<boolean> => {
    await listen();
    if (live.has(id)) return false;
    const gen = generation;
    const out = (await store.settings.get(REVOKED_PREFIX + id)) !== undefined;
    if (!out && gen === generation) live.set(id, true);
    return out;
  };

  const load = async (): Promise<Buffer> => {
    loadedAt = Date.now();
    const stored = await store.settings.get(SECRET_KEY);
    if (stored) return Buffer.from(stored, 'hex');
    await store.settings.set(SECRET_KEY, randomBytes(32).toString('hex'));
    // Two nodes starting together may both write; whichever write stands is the secret (a
    // node holding the other one re-reads it when a cookie fails to open: see `open`).
    return Buffer.from((await store.settings.get(SECRET_KEY)) ?? '', 'hex');
  };
  const serverSecret = (): Promise<Buffer> => {
    secret ??= load().catch((e: unknown) => {
      secret = undefined;
      throw e;
    });
    return secret;
  };
  const derive = (s: Buffer, purpose: string): Buffer =>
    createHmac('sha256', s).update(purpose).digest();

  const seal = (s: Buffer, session: ConsoleSession): string => {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derive(s, 'loft console cookie v1'), iv);
    cipher.setAAD(Buffer.from(SESSION_COOKIE));
    const body = JSON.stringify({
      i: session.id,
      u: session.username,
      p: session.secret,
      e: session.expiresAt,
    });
    const sealed = Buffer.concat([cipher.update(body, 'utf8'), cipher.final()]);
    return COOKIE_VERSION + b64(Buffer.concat([iv, sealed, cipher.getAuthTag()]));
  };
  const unseal = (s: Buffer, value: string): ConsoleSession | undefined => {
    if (!value.startsWith(COOKIE_VERSION) || value.length > 4096) return undefined;
    const raw = Buffer.from(value.slice(COOKIE_VERSION.length), 'base64url');
    if (raw.length < 12 + 16 + 2) return undefined;
    try {
      const decipher = createDecipheriv(
        'aes-256-gcm',
        derive(s, 'loft console cookie v1'),
        raw.subarray(0, 12),
      );
      decipher.setAAD(Buffer.from(SESSION_COOKIE));
      decipher.setAuthTag(raw.subarray(raw.length - 16));
      const body = Buffer.concat([
        decipher.update(raw.subarray(12, raw.length - 16)),
        decipher.final(),
      ]).toString('utf8');
      const j = JSON.parse(body) as { i?: unknown; u?: unknown; p?: unknown; e?: unknown };
      if (
        typeof j.i !== 'string' ||
        typeof j.u !== 'string' ||
        typeof j.p !== 'string' ||
        typeof j.e !== 'number'
      ) {
        return undefined;
      }
      return { id: j.i, username: j.u, secret: j.p, expiresAt: j.e };
    } catch {
      return undefined; // forged, truncated, or sealed under another secret
    }
  };
  const csrfFor = (s: Buffer, session: ConsoleSession): string =>
    b64(derive(s, `csrf:${session.id}`)).slice(0, 32);

  return {
    async issue(username, pass) {
      const session: ConsoleSession = {
        id: randomBytes(16).toString('hex'),
        username,
        secret: pass,
        expiresAt: clock.now() + SESSION_TTL_MS,
      };
      return { session, cookie: seal(await serverSecret(), session) };
    },
    async open(cookie) {
      if (!cookie) return undefined;
      let session = unseal(await serverSecret(), cookie);
      if (!session && Date.now() - loadedAt > RELOAD_MS) {
        secret = undefined;
        session = unseal(await serverSecret(), cookie);
      }
      if (!session || session.expiresAt <= clock.now()) return undefined;
      return (await signedOut(session.id)) ? undefined : session;
    },
    async csrf(session) {
      return csrfFor(await serverSecret(), session);
    },
    async checkCsrf(session, token) {
      if (!token) return false;
      return sameString(csrfFor(await serverSecret(), session), token);
    },
    async revoke(session) {
      await store.settings.set(REVOKED_PREFIX + session.id, String(session.expiresAt));
      forget();
      store.signals?.publish(SIGNOUT_CHANNEL);
    },
    async signinToken(nonce) {
      return b64(derive(await serverSecret(), `signin:${nonce}`)).slice(0, 32);
    },
    nonce: () => randomBytes(16).toString('hex'),
  };
}

/** Reads one cookie from a `Cookie` header. */
export function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
