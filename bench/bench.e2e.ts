import { createServer } from 'node:http';
import autocannon from 'autocannon';
import { AUTH, buyNumber, FROM, startLoft, type Engine, type Loft } from './bench.loft.js';
import { rssMb } from './bench.proc.js';

/** End-to-end figures: create → delivered, and status callbacks into a local receiver. */
export interface E2eResult {
  messages: number;
  created: number;
  delivered: number;
  /** All `delivered` callbacks arrived before the time limit. */
  complete: boolean;
  createSeconds: number;
  /** First create → last `delivered` callback (or the time limit). */
  seconds: number;
  createPerSec: number;
  createToDeliveredPerSec: number;
  callbacks: number;
  callbacksPerSec: number;
  rssMb: number | undefined;
}

/** A receiver for status callbacks in this process: counts them and `delivered` SIDs. */
async function receiver() {
  const delivered = new Set<string>();
  let callbacks = 0;
  let lastAt = 0;
  let onDelivered: (() => void) | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      callbacks++;
      lastAt = performance.now();
      const form = new URLSearchParams(Buffer.concat(chunks).toString());
      if (form.get('MessageStatus') === 'delivered') {
        delivered.add(form.get('MessageSid') ?? '');
        onDelivered?.();
      }
      res.end();
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/status`,
    stats: () => ({ callbacks, delivered: delivered.size, lastAt }),
    /** Resolves when `n` messages have reported delivered, or at `deadline` (performance.now()). */
    until: (n: number, deadline: number) =>
      new Promise<void>((ok) => {
        const timer = setTimeout(ok, Math.max(0, deadline - performance.now()));
        onDelivered = () => {
          if (delivered.size >= n) {
            clearTimeout(timer);
            ok();
          }
        };
        onDelivered();
      }),
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}

/**
 * Creates `messages` messages with a StatusCallback to a local receiver (autocannon, fixed
 * number of requests, `connections` at once, To spread over 1,000 handsets) and times them from
 * the first create until every one has called back `delivered` (or `timeoutS` passed).
 */
export async function e2ePhase(
  engine: Engine,
  opts: { messages: number; connections: number; timeoutS: number },
): Promise<E2eResult> {
  const db = await engine.fresh('e2e');
  const rx = await receiver();
  let loft: Loft | undefined;
  try {
    loft = await startLoft(db.url);
    await buyNumber(loft);
    const callback = encodeURIComponent(rx.url);
    let i = 0;
    const started = performance.now();
    const deadline = started + opts.timeoutS * 1000;
    const result = await new Promise<autocannon.Result>((ok, fail) => {
      autocannon(
        {
          url: `${loft?.base}/Messages.json`,
          method: 'POST',
          connections: opts.connections,
          amount: opts.messages,
          headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
          requests: [
            {
              setupRequest: (req) => {
                const to = encodeURIComponent(`+1415555${1000 + (i++ % 1000)}`);
                return {
                  ...req,
                  body: `From=${encodeURIComponent(FROM)}&To=${to}&Body=end+to+end+${i}&StatusCallback=${callback}`,
                };
              },
            },
          ],
        },
        (err, r) => (err ? fail(err) : ok(r)),
      );
    });
    const createSeconds = (performance.now() - started) / 1000;
    const created = result['2xx'];
    await rx.until(created, deadline);
    const { callbacks, delivered, lastAt } = rx.stats();
    const complete = delivered >= created;
    const end = complete ? lastAt : performance.now();
    const seconds = (end - started) / 1000;
    return {
      messages: opts.messages,
      created,
      delivered,
      complete,
      createSeconds: Math.round(createSeconds * 10) / 10,
      seconds: Math.round(seconds * 10) / 10,
      createPerSec: Math.round(created / createSeconds),
      createToDeliveredPerSec: Math.round(delivered / seconds),
      callbacks,
      callbacksPerSec: Math.round(callbacks / seconds),
      rssMb: rssMb(loft.child.pid),
    };
  } finally {
    await loft?.stop();
    await rx.close();
    await db.remove();
  }
}
