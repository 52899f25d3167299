import { statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { createTarget, CREATE_FORM } from './bench.create.js';
import { AUTH, buyNumber, sqliteEngine, startLoft } from './bench.loft.js';
import { call, hammer, type Load } from './bench.load.js';
import { cpuSeconds, cpuUsPer } from './bench.proc.js';

/** The WAL file's size, sampled every millisecond on a thread of its own. */
export interface WalSampler {
  /** Largest size seen so far, in bytes. */
  peak(): number;
  stop(): Promise<void>;
}

// A thread of its own: the bench's event loop is busy with autocannon, and a peak lasts only
// from the commit that makes it to the next one (which starts the WAL over and cuts it back).
const SAMPLER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const sizes = new Float64Array(workerData.sizes);
const stop = new Int32Array(workerData.stop);
while (Atomics.load(stop, 0) === 0) {
  const size = statSync(workerData.path, { throwIfNoEntry: false })?.size ?? 0;
  if (size > sizes[0]) sizes[0] = size;
  Atomics.wait(stop, 0, 0, 1);
}
`;

/** Starts sampling the size of the file at `walPath` (0 while it does not exist). */
export function sampleWal(walPath: string): WalSampler {
  const sizes = new SharedArrayBuffer(8);
  const stop = new SharedArrayBuffer(4);
  const worker = new Worker(SAMPLER_SOURCE, {
    eval: true,
    workerData: { path: walPath, sizes, stop },
  });
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  const peak = new Float64Array(sizes);
  return {
    peak: () => peak[0] as number,
    async stop() {
      Atomics.store(new Int32Array(stop), 0, 1);
      Atomics.notify(new Int32Array(stop), 0);
      await exited;
    },
  };
}

/** One full-load create run on SQLite, with the WAL's sizes. */
export interface WalRun extends Load {
  /** `SQLITE_WAL_LIMIT_MB` of the server; 0 = unbounded (Loft before the bound). */
  limitMb: number;
  /** Largest WAL file seen during the load and until it settled, in bytes. */
  walPeakBytes: number;
  /** The WAL file when the load stopped. */
  walAtEndBytes: number;
  /** The WAL file once it was left unchanged for `quietSeconds` (delivery finished, say). */
  walFinalBytes: number;
  /** Seconds from the end of the load to that final size. */
  settleSeconds: number;
  /** The wait for the final size gave up at `settleMaxSeconds`. */
  settleTimedOut: boolean;
}

/** Settings of {@link walRun}. */
export interface WalRunSettings {
  limitMb: number;
  connections: number;
  seconds: number;
  /** How long the WAL must stay unchanged to count as settled (3 s). */
  quietSeconds?: number;
  /** Longest wait for it after the load (120 s: delivery of the backlog runs first). */
  settleMaxSeconds?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A fresh SQLite file, `loft serve` with `SQLITE_WAL_LIMIT_MB=limitMb` (delivery on, as in the
 * create phase), the create POST at full load for `seconds`, then waiting until the WAL file is
 * left unchanged (the server's delivery backlog done, and a bounded WAL truncated when idle).
 */
export async function walRun(s: WalRunSettings): Promise<WalRun> {
  const db = await sqliteEngine.fresh('wal');
  const walPath = `${db.url.slice('sqlite:'.length)}-wal`;
  const walFile = () => statSync(walPath, { throwIfNoEntry: false });
  const loft = await startLoft(db.url, { SQLITE_WAL_LIMIT_MB: String(s.limitMb) }).catch(
    async (e: unknown) => {
      await db.remove();
      throw e;
    },
  );
  const sampler = sampleWal(walPath);
  try {
    await buyNumber(loft);
    const target = createTarget(`${loft.base}/Messages.json`);
    await call(target.url, { method: 'POST', auth: AUTH, form: CREATE_FORM }, 201);
    const cpu = cpuSeconds(loft.child.pid);
    const load = await hammer(target, s.connections, s.seconds);
    load.serverCpuUs = cpuUsPer(cpu, cpuSeconds(loft.child.pid), load.requests);
    const walAtEndBytes = walFile()?.size ?? 0;
    const ended = performance.now();
    const quietMs = (s.quietSeconds ?? 3) * 1000;
    const maxMs = (s.settleMaxSeconds ?? 120) * 1000;
    let seen = '';
    let since = performance.now();
    let settleTimedOut = false;
    for (;;) {
      const f = walFile();
      const now = `${f?.size ?? 0}:${f?.mtimeMs ?? 0}`;
      if (now !== seen) {
        seen = now;
        since = performance.now();
      } else if (performance.now() - since >= quietMs) {
        break;
      }
      if (performance.now() - ended > maxMs) {
        settleTimedOut = true;
        break;
      }
      await sleep(50);
    }
    return {
      ...load,
      limitMb: s.limitMb,
      walPeakBytes: sampler.peak(),
      walAtEndBytes,
      walFinalBytes: walFile()?.size ?? 0,
      settleSeconds: Math.round((since - ended) / 100) / 10,
      settleTimedOut,
    };
  } finally {
    await sampler.stop();
    await loft.stop();
    await db.remove();
  }
}
