import { createServer } from 'node:http';
import autocannon from 'autocannon';
import SQLite from 'better-sqlite3';
import pg from 'pg';
import { seedTo } from '../src/cli/seed.js';
import { FORM_HEADERS } from './bench.create.js';
import { buyNumber, FROM, startLoft, type Engine, type Loft } from './bench.loft.js';
import {
  commandCpuSeconds,
  cpuSeconds,
  cpuUsPer,
  machineBusySeconds,
  rssMb,
} from './bench.proc.js';

/** End-to-end figures: create → delivered, and status callbacks into a local receiver. */
export interface E2eResult {
  /** Whether messages carried a StatusCallback (else delivery is read from the database). */
  callbacks: boolean;
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
  callbackCount: number;
  callbacksPerSec: number;
  /** TCP connections the callbacks came over (keep-alive: far fewer than callbacks). */
  callbackConnections: number;
  rssMb: number | undefined;
  /** Server CPU (every thread) per delivered message, first create to the end, in µs. */
  serverCpuUsPerMessage: number | undefined;
  /** The whole machine's busy CPU per delivered message (load generator and receiver too), µs. */
  machineCpuUsPerMessage: number | undefined;
  /** PostgreSQL's processes' CPU per delivered message, µs (PostgreSQL only). */
  databaseCpuUsPerMessage: number | undefined;
}

/** A receiver for status callbacks in this process: counts them and `delivered` SIDs. */
export async function receiver() {
  const delivered = new Set<string>();
  let callbacks = 0;
  let connections = 0;
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
  server.on('connection', () => connections++);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/status`,
    stats: () => ({ callbacks, connections, delivered: delivered.size, lastAt }),
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
 * Counts delivered messages straight from the database (read-only on SQLite), for the run
 * without status callbacks: the API has no status filter, and polling it would load the server.
 */
async function deliveredCounter(databaseUrl: string) {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new SQLite(databaseUrl.slice('sqlite:'.length), { readonly: true });
    const q = db.prepare(`select count(*) as n from messages where status = 'delivered'`);
    return {
      count: () => Promise.resolve(Number((q.get() as { n: number }).n)),
      close: () => {
        db.close();
        return Promise.resolve();
      },
    };
  }
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return {
    count: async () => {
      const q = `select count(*) as n from messages where status = 'delivered'`;
      return Number((await client.query<{ n: string | number }>(q)).rows[0]?.n ?? 0);
    },
    close: () => client.end(),
  };
}

/**
 * Creates `messages` messages (autocannon, fixed number of requests, `connections` at once, To
 * spread over 1,000 handsets) and times them from the first create until every one is
 * delivered (or `timeoutS` passed). With `callbacks`, each carries a StatusCallback to a local
 * receiver and delivery is counted from the `delivered` callbacks; without, from the database.
 */
export async function e2ePhase(
  engine: Engine,
  opts: { messages: number; connections: number; timeoutS: number; callbacks: boolean },
): Promise<E2eResult> {
  const db = await engine.fresh('e2e');
  const rx = await receiver();
  let loft: Loft | undefined;
  try {
    loft = await startLoft(db.url);
    await buyNumber(loft);
    const callback = opts.callbacks ? `&StatusCallback=${encodeURIComponent(rx.url)}` : '';
    let i = 0;
    const cpu = cpuSeconds(loft.child.pid);
    const busy = machineBusySeconds();
    const dbCpu = engine.name === 'postgres' ? commandCpuSeconds('postgres') : undefined;
    const started = performance.now();
    const deadline = started + opts.timeoutS * 1000;
    // autocannon settles an `amount` run on its once-a-second tick, so its own end time is
    // rounded up to whole seconds: time the last response instead, and watch deliveries while
    // the creates are still running.
    let lastResponse = started;
    let createsDone = false;
    let createdCount = opts.messages;
    const creating = new Promise<autocannon.Result>((ok, fail) => {
      const run = autocannon(
        {
          url: `${loft?.base}/Messages.json`,
          method: 'POST',
          connections: opts.connections,
          amount: opts.messages,
          headers: FORM_HEADERS,
          requests: [
            {
              setupRequest: (req) => {
                const to = encodeURIComponent(seedTo(i++));
                return {
                  ...req,
                  body: `From=${encodeURIComponent(FROM)}&To=${to}&Body=end+to+end+${i}${callback}`,
                };
              },
            },
          ],
        },
        (err: Error | null, r) => {
          createsDone = true;
          if (err) return fail(err);
          createdCount = r['2xx'];
          ok(r);
        },
      );
      run.on('response', () => (lastResponse = performance.now()));
    });
    let delivered = 0;
    let end: number;
    if (opts.callbacks) {
      const result = await creating;
      await rx.until(result['2xx'], deadline);
      const stats = rx.stats();
      delivered = stats.delivered;
      end = delivered >= result['2xx'] ? stats.lastAt : performance.now();
    } else {
      const counter = await deliveredCounter(db.url);
      try {
        for (;;) {
          delivered = await counter.count();
          end = performance.now();
          if (delivered >= (createsDone ? createdCount : opts.messages) || end > deadline) break;
          await new Promise((r) => setTimeout(r, 10));
        }
      } finally {
        await counter.close();
      }
    }
    const cpuAfter = cpuSeconds(loft.child.pid);
    const busyAfter = machineBusySeconds();
    const dbCpuAfter = engine.name === 'postgres' ? commandCpuSeconds('postgres') : undefined;
    const created = (await creating)['2xx'];
    const createSeconds = (lastResponse - started) / 1000;
    const { callbacks, connections } = rx.stats();
    const complete = delivered >= created;
    const seconds = (end - started) / 1000;
    return {
      callbacks: opts.callbacks,
      messages: opts.messages,
      created,
      delivered,
      complete,
      createSeconds: Math.round(createSeconds * 10) / 10,
      seconds: Math.round(seconds * 10) / 10,
      createPerSec: Math.round(created / createSeconds),
      createToDeliveredPerSec: Math.round(delivered / seconds),
      callbackCount: callbacks,
      callbacksPerSec: Math.round(callbacks / seconds),
      callbackConnections: connections,
      rssMb: rssMb(loft.child.pid),
      serverCpuUsPerMessage: cpuUsPer(cpu, cpuAfter, delivered),
      machineCpuUsPerMessage: cpuUsPer(busy, busyAfter, delivered),
      databaseCpuUsPerMessage: cpuUsPer(dbCpu, dbCpuAfter, delivered),
    };
  } finally {
    await loft?.stop();
    await rx.close();
    await db.remove();
  }
}
