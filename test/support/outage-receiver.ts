import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';

/** What the receiver does with a request: refuse the connection, answer 503, or take it. */
export type ReceiverMode = 'refuse' | '503' | 'up';

/** One status callback the receiver took (answered 200). */
export interface TakenCallback {
  sid: string;
  status: string;
  /** `X-Twilio-Signature` validated with the official SDK. */
  valid: boolean;
  /** Wall-clock arrival time (ms). */
  at: number;
}

/** A status callback receiver on 127.0.0.1 whose outages a test switches on and off. */
export interface OutageReceiver {
  /** Its URL (the port stays the same across outages). */
  url: string;
  /** Callbacks answered 200, in arrival order. */
  taken: TakenCallback[];
  /** Requests answered 503. */
  refused503: number;
  /**
   * `refuse`: every connection is cut as it opens (the port stays bound: given up and taken
   * again, another listener on the machine could take it meanwhile); `503`: answers 503;
   * `up`: 200.
   */
  setMode(mode: ReceiverMode): Promise<void>;
  /** Statuses taken per message SID, in arrival order. */
  bySid(): Map<string, string[]>;
  close(): Promise<void>;
}

/** Starts a receiver validating signatures with `authToken`, in mode `up`. */
export async function outageReceiver(authToken: string): Promise<OutageReceiver> {
  let mode: ReceiverMode = 'up';
  let url = '';
  const r = {
    taken: [] as TakenCallback[],
    refused503: 0,
  };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      if (mode !== 'up') {
        r.refused503++;
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
        return;
      }
      const params = Object.fromEntries(new URLSearchParams(body));
      const valid = twilio.validateRequest(
        authToken,
        String(req.headers['x-twilio-signature'] ?? ''),
        url + (req.url ?? '/').slice(1),
        params,
      );
      r.taken.push({
        sid: params['MessageSid'] ?? '',
        status: params['MessageStatus'] ?? '',
        valid,
        at: Date.now(),
      });
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  server.on('connection', (socket) => {
    if (mode === 'refuse') socket.destroy();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/`;
  let closed = false;
  return Object.assign(r, {
    url,
    setMode(next: ReceiverMode) {
      mode = next;
      // Kept-alive connections go too: the next request opens a new one, which is cut.
      if (next === 'refuse') server.closeAllConnections();
      return Promise.resolve();
    },
    bySid() {
      const out = new Map<string, string[]>();
      for (const t of r.taken) out.set(t.sid, [...(out.get(t.sid) ?? []), t.status]);
      return out;
    },
    async close() {
      mode = 'refuse';
      if (closed) return;
      closed = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  });
}
