import dns from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { urlToHttpOptions } from 'node:url';
import type { DenyList } from './outbound.deny.js';

/**
 * Why an outbound request failed. The messages say nothing about the far side beyond what an
 * HTTP client may know (no refused/reset/closed distinction, so the API never tells an open
 * internal port from a closed one); `detail` keeps the low-level cause for debug logs.
 */
export type OutboundFailure =
  /** The host, or an address it resolves to, is in OUTBOUND_DENY. */
  | 'denied'
  /** Not http: or https: (the URL or a redirect's Location). */
  | 'scheme'
  /** The host name does not resolve. */
  | 'host'
  /** Anything between connecting and the response head: refused, reset, closed, not HTTP, TLS. */
  | 'connect'
  /** The whole exchange (every hop, the body included) took longer than `timeoutMs`. */
  | 'timeout'
  /** More redirects than allowed, or a loop. */
  | 'redirects'
  /** A redirect status without a usable Location. */
  | 'bad-redirect';

/** A failed outbound request; `message` is safe to show through the API. */
export class OutboundError extends Error {
  override name = 'OutboundError';
  constructor(
    readonly kind: OutboundFailure,
    message: string,
    /** The low-level cause, for logs only. */
    readonly detail?: unknown,
  ) {
    super(message);
  }
}

/** One outbound request. */
export interface OutboundRequest {
  url: URL;
  method: 'GET' | 'POST';
  /** The headers of each hop, from its URL (a signature covers the URL requested). */
  headers: (url: URL) => Record<string, string>;
  body?: string;
  /** For the whole exchange: every hop, the response body included. */
  timeoutMs: number;
  /** Bytes of the final response body read; past them reading stops (`truncated`). */
  maxBytes: number;
  /** Redirects followed (0: a redirect is the answer). */
  maxRedirects: number;
  /** Statuses that redirect; default Twilio's 301, 302, 303, 307. */
  redirectStatuses?: ReadonlySet<number>;
  /** Whether to read the final response's body at all (default yes). */
  wantBody?: (status: number, contentType: string) => boolean;
}

/** What came back. */
export interface OutboundAnswer {
  /** The URL that answered (after redirects). */
  url: URL;
  status: number;
  contentType: string;
  /** At most `maxBytes` of the body. */
  body: Buffer;
  /** The body (or its declared Content-Length) went past `maxBytes`; the rest was not read. */
  truncated: boolean;
  /** Reading the body failed after the head arrived (timeout, reset). */
  bodyError: OutboundError | null;
}

/** The HTTP client of every request Loft makes to a URL a user gave. */
export interface Outbound {
  request(req: OutboundRequest): Promise<OutboundAnswer>;
}

/**
 * Redirect statuses Twilio follows for webhooks: "Twilio will only follow redirects for status
 * codes 301, 302, 303, and 307" (twilio.com/docs/api/errors/11216).
 */
export const TWILIO_REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307]);

const DENIED = Symbol('outbound-denied');

/**
 * `dns.lookup` that refuses a name when any address it resolves to is denied: the check is on
 * the addresses actually connected to (no second resolution a rebinding DNS could answer
 * differently).
 */
function guardedLookup(deny: DenyList): LookupFunction {
  return (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      if (addresses.some((a) => deny.addressDenied(a.address))) {
        const e = Object.assign(new Error(`${hostname} resolves into OUTBOUND_DENY`), {
          [DENIED]: true,
        });
        return callback(e, '', 0);
      }
      const first = addresses[0];
      if (options.all) return callback(null, addresses);
      callback(null, first?.address ?? '', first?.family ?? 4);
    });
  };
}

const DNS_FAILURES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_FAIL', 'ENODATA', 'EAI_NONAME']);

/** The user-safe error for a low-level one. */
function classify(err: unknown, url: URL, timedOut: boolean, timeoutMs: number): OutboundError {
  if (err instanceof OutboundError) return err;
  if (timedOut) return new OutboundError('timeout', `timeout after ${timeoutMs} ms`, err);
  if (err && typeof err === 'object' && DENIED in err) return denied(url, err);
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && DNS_FAILURES.has(code)) {
    return new OutboundError('host', `host name ${url.hostname} could not be resolved`, err);
  }
  return new OutboundError('connect', 'connection failed', err);
}

const denied = (url: URL, detail?: unknown) =>
  new OutboundError('denied', `${url.host} refused by OUTBOUND_DENY`, detail);

/** The host of a URL as an IP address, when it is one (`[::1]` → `::1`). */
const literalIp = (url: URL): string | null => {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return isIP(host) !== 0 ? host : null;
};

/**
 * Builds the outbound client: keep-alive pools of its own (a pooled connection was checked
 * against this client's deny list when it was opened), the deny list applied to the host name,
 * to a literal address, and through the DNS lookup to every resolved address, on every hop.
 */
export function createOutbound(opts: { deny?: DenyList | null } = {}): Outbound {
  const deny = opts.deny && opts.deny.entries.length > 0 ? opts.deny : null;
  const lookup = deny ? guardedLookup(deny) : undefined;
  const agents = {
    http: new http.Agent({ keepAlive: true, maxFreeSockets: 256 }),
    https: new https.Agent({ keepAlive: true, maxFreeSockets: 256 }),
  };

  /** Refuses a URL before any connection: scheme, denied name, denied literal address. */
  function check(url: URL): void {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new OutboundError('scheme', `unsupported URL scheme ${url.protocol}`);
    }
    if (!deny) return;
    const ip = literalIp(url);
    if (deny.hostDenied(url.hostname) || (ip !== null && deny.addressDenied(ip))) {
      throw denied(url);
    }
  }

  /** One hop; a request that fails on a pooled connection the server had just closed is retried once. */
  function hop(req: OutboundRequest, url: URL, deadline: number) {
    return once(req, url, deadline).catch((err: unknown) => {
      if ((err as { retryable?: boolean }).retryable) return once(req, url, deadline);
      throw err;
    });
  }

  function once(
    r: OutboundRequest,
    url: URL,
    deadline: number,
  ): Promise<OutboundAnswer & { location: string | undefined }> {
    return new Promise((resolve, reject) => {
      const secure = url.protocol === 'https:';
      const headers: Record<string, string | number> = { ...r.headers(url) };
      if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
      // Credentials in the URL (`https://user:pass@host/…`) go as HTTP Basic auth (`auth`), as
      // Twilio documents for webhook URLs (docs/usage/security#http-authentication).
      const req = (secure ? https : http).request({
        ...urlToHttpOptions(url),
        method: r.method,
        headers,
        agent: secure ? agents.https : agents.http,
        ...(lookup && { lookup }),
      });
      let timedOut = false;
      let answered = false;
      const timer = setTimeout(
        () => {
          timedOut = true;
          req.destroy(new Error('deadline'));
        },
        Math.max(0, deadline - Date.now()),
      );
      req.on('error', (err: Error & { code?: string; retryable?: boolean }) => {
        if (answered) return;
        clearTimeout(timer);
        if (req.reusedSocket && err.code === 'ECONNRESET' && !timedOut) {
          return reject(Object.assign(err, { retryable: true }));
        }
        reject(classify(err, url, timedOut, r.timeoutMs));
      });
      req.on('response', (res) => {
        answered = true;
        const status = res.statusCode ?? 0;
        const contentType = String(res.headers['content-type'] ?? '');
        const chunks: Buffer[] = [];
        let size = 0;
        let settled = false;
        const finish = (truncated: boolean, bodyError: unknown) => {
          if (settled) return;
          settled = true;
          clearTimeout(timer);
          const body = Buffer.concat(chunks);
          resolve({
            url,
            status,
            contentType,
            body: body.subarray(0, r.maxBytes),
            truncated: truncated || body.length > r.maxBytes,
            bodyError: bodyError === null ? null : classify(bodyError, url, timedOut, r.timeoutMs),
            location: res.headers.location,
          });
        };
        const redirect =
          r.maxRedirects > 0 && (r.redirectStatuses ?? TWILIO_REDIRECT_STATUSES).has(status);
        const declared = Number(res.headers['content-length'] ?? NaN);
        const skip = redirect || (r.wantBody !== undefined && !r.wantBody(status, contentType));
        if (skip || declared > r.maxBytes) {
          // Not read: the connection is dropped rather than drained.
          finish(!skip, null);
          res.destroy();
          return;
        }
        res.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          size += chunk.length;
          if (size > r.maxBytes) {
            finish(true, null);
            res.destroy();
          }
        });
        res.on('end', () => finish(false, null));
        res.on('error', (err) => finish(false, err));
        res.on('close', () => finish(false, res.complete ? null : new Error('response aborted')));
      });
      req.end(r.body);
    });
  }

  return {
    async request(req) {
      const deadline = Date.now() + req.timeoutMs;
      const statuses = req.redirectStatuses ?? TWILIO_REDIRECT_STATUSES;
      const seen = new Set<string>();
      let url = req.url;
      for (let hops = 0; ; hops++) {
        check(url);
        seen.add(url.href);
        const last = hops >= req.maxRedirects;
        const { location, ...answer } = await hop(req, url, deadline);
        if (!statuses.has(answer.status) || req.maxRedirects === 0) return answer;
        let next: URL | null = null;
        try {
          next = location === undefined ? null : new URL(location, url);
        } catch {
          next = null;
        }
        if (next === null) {
          throw new OutboundError(
            'bad-redirect',
            `HTTP ${answer.status} from ${url.host} without a valid Location`,
          );
        }
        next.hash = '';
        if (next.protocol !== 'http:' && next.protocol !== 'https:') {
          throw new OutboundError(
            'scheme',
            `redirect to unsupported URL scheme ${next.protocol} refused`,
          );
        }
        if (seen.has(next.href)) {
          throw new OutboundError('redirects', `redirect loop: ${next.href} was requested before`);
        }
        if (last) {
          throw new OutboundError('redirects', `more than ${req.maxRedirects} redirects`);
        }
        url = next;
      }
    },
  };
}

/** The client used where none is injected (tests, tools): denies nothing. */
export const defaultOutbound: Outbound = createOutbound();
