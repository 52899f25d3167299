import { connect, type Socket } from 'node:net';

/** What came back for one raw request: a parsed response, or how the exchange ended without one. */
export type RawOutcome =
  | { kind: 'response'; status: number; headers: Record<string, string>; body: Buffer }
  | { kind: 'closed' | 'reset' | 'timeout' };

/** `http://host:port` → where to connect. */
export function hostPort(url: string): { host: string; port: number } {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: Number(u.port) };
}

/**
 * Sends bytes as they are over a fresh TCP connection (no client-side validation, unlike fetch
 * or node:http), half-closes when `end` is set, and reads the first final (non-1xx) response.
 * `head` tells it that the response has no body (a HEAD request).
 */
export function rawExchange(
  target: { host: string; port: number },
  bytes: Buffer,
  opts: { head?: boolean; end?: boolean; timeoutMs: number },
): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket = connect(target);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (outcome: RawOutcome | undefined, fallback: 'closed' | 'reset' | 'timeout') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome ?? { kind: fallback });
    };
    const timer = setTimeout(
      () => finish(parseResponse(chunks, opts.head, true), 'timeout'),
      opts.timeoutMs,
    );
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      const parsed = parseResponse(chunks, opts.head, false);
      if (parsed) finish(parsed, 'closed');
    });
    socket.on('end', () => finish(parseResponse(chunks, opts.head, true), 'closed'));
    socket.on('error', () => finish(parseResponse(chunks, opts.head, true), 'reset'));
    socket.on('connect', () => {
      socket.write(bytes);
      if (opts.end) socket.end();
    });
  });
}

/**
 * The first final response in `chunks`, once it is complete (`atEnd`: the connection is over, so
 * a body without a length runs to here). undefined while more is needed.
 */
function parseResponse(
  chunks: Buffer[],
  head: boolean | undefined,
  atEnd: boolean,
): RawOutcome | undefined {
  let buf = Buffer.concat(chunks);
  for (;;) {
    const split = buf.indexOf('\r\n\r\n');
    if (split < 0) return undefined;
    const lines = buf.subarray(0, split).toString('latin1').split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1]);
    if (!Number.isInteger(status)) return undefined;
    const rest = buf.subarray(split + 4);
    if (status < 200) {
      buf = rest; // 100 Continue and friends: the final response follows
      continue;
    }
    const headers: Record<string, string> = {};
    for (const line of lines.slice(1)) {
      const colon = line.indexOf(':');
      if (colon > 0)
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const done = (body: Buffer): RawOutcome => ({ kind: 'response', status, headers, body });
    if (head || status === 204 || status === 304) return done(Buffer.alloc(0));
    const length = headers['content-length'];
    if (length !== undefined) {
      const n = Number(length);
      return rest.length >= n ? done(rest.subarray(0, n)) : atEnd ? done(rest) : undefined;
    }
    if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
      const body = dechunk(rest);
      return body ? done(body) : atEnd ? done(rest) : undefined;
    }
    return atEnd ? done(rest) : undefined;
  }
}

/** A complete chunked body, decoded; undefined until the last chunk has arrived. */
function dechunk(buf: Buffer): Buffer | undefined {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', at);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(at, eol).toString('latin1'), 16);
    if (!Number.isFinite(size)) return undefined;
    if (size === 0) return Buffer.concat(parts);
    if (buf.length < eol + 2 + size + 2) return undefined;
    parts.push(buf.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/**
 * Opens `count` connections that each send the start of a request and then stall (a slowloris),
 * trickling one more header byte every `trickleMs`. `close()` ends them all.
 */
export async function openStalledSockets(
  target: { host: string; port: number },
  count: number,
  starts: (i: number) => string,
  trickleMs: number,
): Promise<{ open: () => number; close: () => void }> {
  const sockets: Socket[] = [];
  await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<void>((resolve) => {
          const s = connect(target, () => {
            s.write(starts(i));
            resolve();
          });
          s.on('error', () => resolve());
          sockets.push(s);
        }),
    ),
  );
  const timer = setInterval(() => {
    for (const s of sockets) if (!s.destroyed) s.write('x');
  }, trickleMs);
  return {
    open: () => sockets.filter((s) => !s.destroyed).length,
    close: () => {
      clearInterval(timer);
      for (const s of sockets) s.destroy();
    },
  };
}
