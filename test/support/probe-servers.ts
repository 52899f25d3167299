import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  createServer as createTcpServer,
  type AddressInfo,
  type Server as TcpServer,
} from 'node:net';
import { PNG, streamEndlessly } from './media-server.js';

/** Targets an outbound request must stay safe against (see {@link startProbeServers}). */
export interface ProbeServers {
  /** `http://127.0.0.1:<port>`: the paths below. */
  base: string;
  /** `http://127.0.0.2:<port>`: a second server (another loopback address) answering a PNG. */
  other: string;
  /** Requests the 127.0.0.2 server received. */
  otherHits(): number;
  /** Whether the client hung up on `/endless.png`. */
  endlessClosed(): boolean;
  /** A port with a non-HTTP service: it answers bytes that are not HTTP and closes. */
  nonHttpPort: number;
  /** A port nothing listens on. */
  closedPort: number;
  close(): Promise<void>;
}

/** 100 KB of TwiML: over Twilio's 64 kB limit. */
export const BIG_TWIML = `<Response><Message>${'a'.repeat(100 * 1024)}</Message></Response>`;

const listen = (server: Server | TcpServer, host: string): Promise<number> =>
  new Promise((resolve) =>
    server.listen(0, host, () => resolve((server.address() as AddressInfo).port)),
  );

/**
 * Paths on `base`: `/ok` (200 text), `/image.png`, `/endless.png` (chunked, never ends),
 * `/hang` (never answers), `/stall.png` (a head and one chunk, then nothing), `/loop` (302 to
 * itself), `/ping` ↔ `/pong` (302 to each other), `/to-file` (302 to file:///etc/passwd),
 * `/to-other` (302 to the 127.0.0.2 server), `/big-twiml` (100 KB text/xml), `/redirect-other`
 * (TwiML `<Redirect>` to the 127.0.0.2 server).
 */
export async function startProbeServers(): Promise<ProbeServers> {
  let endlessClosed = false;
  let otherHits = 0;
  const open = new Set<ServerResponse>();
  const second = createServer((_req, res) => {
    otherHits++;
    res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
  });
  const otherPort = await listen(second, '127.0.0.2');
  const other = `http://127.0.0.2:${otherPort}`;
  const redirect = (res: ServerResponse, location: string) =>
    res.writeHead(302, { location }).end();
  const main = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    switch (path) {
      case '/ok':
        return res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
      case '/image.png':
        return res.writeHead(200, { 'content-type': 'image/png' }).end(PNG);
      case '/endless.png':
        return streamEndlessly(res, () => (endlessClosed = true));
      case '/hang':
        open.add(res);
        return;
      case '/stall.png':
        open.add(res);
        res.writeHead(200, { 'content-type': 'image/png' });
        res.write(PNG);
        return;
      case '/loop':
        return redirect(res, '/loop');
      case '/ping':
        return redirect(res, '/pong');
      case '/pong':
        return redirect(res, '/ping');
      case '/to-file':
        return redirect(res, 'file:///etc/passwd');
      case '/to-other':
        return redirect(res, `${other}/image.png`);
      case '/big-twiml':
        return res.writeHead(200, { 'content-type': 'text/xml' }).end(BIG_TWIML);
      case '/redirect-other':
        return res
          .writeHead(200, { 'content-type': 'text/xml' })
          .end(`<Response><Redirect>${other}/sms</Redirect></Response>`);
      default:
        return res.writeHead(404).end();
    }
  });
  const mainPort = await listen(main, '127.0.0.1');
  // Like PostgreSQL reading an HTTP request as a startup packet: an error, then the socket closes.
  const nonHttp = createTcpServer((socket) => {
    socket.on('error', () => undefined);
    socket.once('data', () => socket.end('E\0\0\0\x08invalid startup packet'));
  });
  const nonHttpPort = await listen(nonHttp, '127.0.0.1');
  const gone = createTcpServer();
  const closedPort = await listen(gone, '127.0.0.1');
  await new Promise<void>((resolve) => gone.close(() => resolve()));
  return {
    base: `http://127.0.0.1:${mainPort}`,
    other,
    otherHits: () => otherHits,
    endlessClosed: () => endlessClosed,
    nonHttpPort,
    closedPort,
    async close() {
      for (const res of open) res.destroy();
      main.closeAllConnections();
      second.closeAllConnections();
      await Promise.all(
        [main, second, nonHttp].map(
          (s) => new Promise<void>((resolve) => s.close(() => resolve())),
        ),
      );
    },
  };
}
