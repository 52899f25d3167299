import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A server that accepts every request and never answers (until closed). */
export interface HangServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Requests received (all of them still held open). */
  hits(): number;
  /** Resolves once `n` requests are being held. */
  reached(n: number): Promise<void>;
  /** Destroys every held request, then stops listening. */
  close(): Promise<void>;
}

/** Starts a {@link HangServer} on a free loopback port. */
export async function startHangServer(): Promise<HangServer> {
  const open = new Set<ServerResponse>();
  let hits = 0;
  const waiters: { n: number; resolve: () => void }[] = [];
  const server = createServer((_req, res) => {
    hits++;
    open.add(res);
    for (const w of waiters.filter((x) => hits >= x.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    hits: () => hits,
    reached: (n) =>
      hits >= n ? Promise.resolve() : new Promise((resolve) => waiters.push({ n, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A status callback receiver that notes when each message's callbacks arrive. */
export interface CallbackClock {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** performance.now() when the callback with this status arrived for the message. */
  arrivedAt(messageSid: string, status: string): number | undefined;
  close(): Promise<void>;
}

const readBody = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => resolve(body));
  });

/** Starts a {@link CallbackClock} answering 200 at once. */
export async function startCallbackClock(): Promise<CallbackClock> {
  const seen = new Map<string, number>();
  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const params = new URLSearchParams(body);
      const key = `${params.get('MessageSid')}|${params.get('MessageStatus')}`;
      if (!seen.has(key)) seen.set(key, performance.now());
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    base: `http://127.0.0.1:${port}`,
    arrivedAt: (sid, status) => seen.get(`${sid}|${status}`),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
