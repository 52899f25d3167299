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
  /** `refuse`: stops listening (connections are refused); `503`: answers 503; `up`: 200. */
  setMode(mode: ReceiverMode): Promise<void>;
  /** Statuses taken per message SID, in arrival order. */
  bySid(): Map<string, string[]>;
  close(): Promise<void>;
}

/** Starts a receiver validating signatures with `authToken`, in mode `up`. */
export async function outageReceiver(authToken: string): Promise<OutageReceiver> {
  let mode: ReceiverMode = 'up';
  let port = 0;
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
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen();
  port = (server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}/`;
  return Object.assign(r, {
    url,
    async setMode(next: ReceiverMode) {
      if (next === mode) return;
      const wasListening = mode !== 'refuse';
      mode = next;
      if (next === 'refuse' && wasListening) await stop();
      if (next !== 'refuse' && !wasListening) await listen();
    },
    bySid() {
      const out = new Map<string, string[]>();
      for (const t of r.taken) out.set(t.sid, [...(out.get(t.sid) ?? []), t.status]);
      return out;
    },
    async close() {
      if (mode !== 'refuse') await stop();
      mode = 'refuse';
    },
  });
}
