import http from 'node:http';
import https from 'node:https';

/** What a webhook request got back: the status line, and the body up to the read limit. */
export interface HttpAnswer {
  status: number;
  contentType: string;
  /** At most `limit` bytes of the body. */
  body: Buffer;
  /** Reading the body failed after the status arrived (timeout, reset): the cause. */
  bodyError: Error | null;
}

/** One request: URL, method, headers, optional body, a deadline and a body read limit. */
export interface HttpRequest {
  url: URL;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
  /** For the whole exchange, response body included. */
  timeoutMs: number;
  /** Bytes of the response body kept; the rest is not read. */
  limit: number;
}

/**
 * Keep-alive connection pools shared by every webhook of the process: a status callback reuses
 * the receiver's warm connection instead of a TCP handshake per request.
 */
const agents = {
  'http:': new http.Agent({ keepAlive: true, maxFreeSockets: 256 }),
  'https:': new https.Agent({ keepAlive: true, maxFreeSockets: 256 }),
};

/** The error a request deadline raises (named like the fetch API's). */
function timeoutError(ms: number): Error {
  const e = new Error(`timeout after ${ms} ms`);
  e.name = 'TimeoutError';
  return e;
}

/**
 * Sends one webhook request over the keep-alive pools (node:http, far cheaper per request than
 * fetch). Redirects are not followed. Rejects when no response arrives (connection refused,
 * timeout: `name` TimeoutError); a failure while reading the body is reported in `bodyError`. A
 * request that fails on a pooled connection the server had just closed is retried once on a
 * fresh one, as Node's documentation advises.
 */
export function httpRequest(req: HttpRequest): Promise<HttpAnswer> {
  // One deadline for the whole exchange, the retry included.
  const deadline = Date.now() + req.timeoutMs;
  return once(req, deadline).catch((err: unknown) => {
    if ((err as { retryable?: boolean }).retryable) return once(req, deadline);
    throw err;
  });
}

function once(r: HttpRequest, deadline: number): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const secure = r.url.protocol === 'https:';
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['Content-Length'] = Buffer.byteLength(r.body);
    // Credentials in the URL (`https://user:pass@host/…`) go as HTTP Basic auth, as Twilio
    // documents for webhook URLs (docs/usage/security#http-authentication).
    const req = (secure ? https : http).request(r.url, {
      method: r.method,
      headers,
      agent: secure ? agents['https:'] : agents['http:'],
    });
    let answered = false;
    let timedOut = false;
    const timer = setTimeout(
      () => {
        timedOut = true;
        req.destroy(timeoutError(r.timeoutMs));
      },
      Math.max(0, deadline - Date.now()),
    );
    req.on('error', (err: Error & { code?: string; retryable?: boolean }) => {
      if (answered) return;
      clearTimeout(timer);
      if (req.reusedSocket && err.code === 'ECONNRESET' && !timedOut) err.retryable = true;
      reject(timedOut ? timeoutError(r.timeoutMs) : err);
    });
    req.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      let size = 0;
      let settled = false;
      const finish = (bodyError: Error | null) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve({
          status: res.statusCode ?? 0,
          contentType: String(res.headers['content-type'] ?? ''),
          body: Buffer.concat(chunks).subarray(0, r.limit),
          bodyError: bodyError && timedOut ? timeoutError(r.timeoutMs) : bodyError,
        });
      };
      res.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        // Enough: stop reading (the connection is dropped rather than drained).
        if (size >= r.limit) {
          finish(null);
          res.destroy();
        }
      });
      res.on('end', () => finish(null));
      res.on('error', (err) => finish(err));
      res.on('close', () => finish(res.complete ? null : new Error('response aborted')));
    });
    req.end(r.body);
  });
}
