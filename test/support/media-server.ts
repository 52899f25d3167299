import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A 1×1 transparent PNG. */
export const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
/** Bytes that start like a JPEG (the server only checks the Content-Type). */
export const JPEG = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(300, 7)]);

/** A local MediaUrl host with one path per behaviour the fetcher must handle. */
export interface MediaServer {
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Requests received, by path. */
  hits: Map<string, number>;
  /** Whether the client hung up on `/endless.png` (the byte cap aborted the transfer). */
  endlessClosed(): boolean;
  /**
   * A URL that answers like `target` (one of the paths below), but only once `release()` is
   * called; `requested` resolves when the fetcher's request has arrived and is being held.
   */
  hold(target: string): Hold;
  close(): Promise<void>;
}

/** A held response of {@link MediaServer.hold}. */
export interface Hold {
  url: string;
  requested: Promise<void>;
  release(): void;
}

const SIX_MB = Buffer.alloc(6 * 1024 * 1024, 1);

/** Answers a PNG that never ends (64 KB every millisecond); `onClose` when the client hangs up. */
export function streamEndlessly(res: ServerResponse, onClose: () => void): void {
  res.writeHead(200, { 'content-type': 'image/png' });
  const chunk = Buffer.alloc(64 * 1024, 2);
  const timer = setInterval(() => res.write(chunk), 1);
  res.on('close', () => {
    onClose();
    clearInterval(timer);
  });
}

/**
 * Paths: `/image.png`, `/photo.jpg`, `/page.html` (text/html), `/big.png` (6 MB, with
 * Content-Length), `/endless.png` (chunked, never ends), `/slow.png` (never answers),
 * `/missing.png` (404), `/redirect` (302 → /image.png), `/chain/N` (N redirects, then the PNG),
 * `/no-type` (no Content-Type), `/empty.png` (0 bytes), `/card.vcf` (600 KB text/vcard),
 * `/small.vcf` (1 KB text/vcard), `/typed.png` (`Image/PNG; charset=binary`).
 */
export async function startMediaServer(): Promise<MediaServer> {
  const hits = new Map<string, number>();
  let endlessClosed = false;
  const holds = new Map<string, { arrived: () => void; gate: Promise<void> }>();
  let held = 0;
  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const hold = /^\/held\/(\d+)(\/.*)$/.exec(path);
    const h = hold && holds.get(hold[1] ?? '');
    if (!hold || !h) return respond(path, res);
    h.arrived();
    void h.gate.then(() => respond(hold[2] ?? '/', res));
  };
  const respond = (path: string, res: ServerResponse): void => {
    const send = (status: number, type: string | null, body: Buffer | string) => {
      const headers: Record<string, string | number> = {
        'content-length': Buffer.byteLength(body),
      };
      if (type !== null) headers['content-type'] = type;
      res.writeHead(status, headers).end(body);
    };
    const chain = /^\/chain\/(\d+)$/.exec(path);
    if (chain) {
      const n = Number(chain[1]);
      if (n === 0) return send(200, 'image/png', PNG);
      res.writeHead(302, { location: `/chain/${n - 1}` }).end();
      return;
    }
    switch (path) {
      case '/image.png':
        return send(200, 'image/png', PNG);
      case '/photo.jpg':
        return send(200, 'image/jpeg', JPEG);
      case '/typed.png':
        return send(200, 'Image/PNG; charset=binary', PNG);
      case '/page.html':
        return send(200, 'text/html; charset=utf-8', '<html><body>not media</body></html>');
      case '/big.png':
        return send(200, 'image/png', SIX_MB);
      case '/endless.png':
        return streamEndlessly(res, () => (endlessClosed = true));
      case '/slow.png':
        return; // never answers
      case '/missing.png':
        return send(404, 'text/plain', 'not found');
      case '/redirect':
        res.writeHead(302, { location: '/image.png' }).end();
        return;
      case '/no-type':
        return send(200, null, PNG);
      case '/empty.png':
        return send(200, 'image/png', Buffer.alloc(0));
      case '/card.vcf':
        return send(200, 'text/vcard', Buffer.alloc(600 * 1024, 65));
      case '/small.vcf':
        return send(200, 'text/vcard', Buffer.alloc(1024, 65));
      default:
        return send(404, 'text/plain', 'no such path');
    }
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  return {
    base,
    hits,
    endlessClosed: () => endlessClosed,
    hold(target) {
      const id = String(++held);
      let arrived!: () => void;
      let release!: () => void;
      const requested = new Promise<void>((r) => (arrived = r));
      const gate = new Promise<void>((r) => (release = r));
      holds.set(id, { arrived, gate });
      return { url: `${base}/held/${id}${target}`, requested, release };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
