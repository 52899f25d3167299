import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How a {@link Checkpointer.checkpoint} ended. */
export interface CheckpointResult {
  /** The whole WAL is in the database file, and the next commit starts it over from the top. */
  done: boolean;
  /** Time the worker spent, waiting included. */
  ms: number;
}

/** A background WAL checkpointer. */
export interface Checkpointer {
  /** False once the worker has failed (the caller then falls back to SQLite's checkpoints). */
  readonly alive: boolean;
  /**
   * Copies the whole WAL into the database file (a PASSIVE checkpoint, then `mode`), so the
   * next commit writes the WAL from the top again; TRUNCATE also cuts the file to zero bytes.
   * Both take the write lock and wait for readers still reading from the WAL, up to `busyMs`;
   * past that it reports `done: false` and leaves the WAL as it is. The caller keeps its own
   * transactions out meanwhile (see wal-bound.ts).
   */
  checkpoint(mode: 'RESTART' | 'TRUNCATE'): Promise<CheckpointResult>;
  stop(): Promise<void>;
}

// Runs in the worker: its own connection to the database file. PASSIVE on a timer never waits
// for (or blocks) the writer or readers. RESTART or TRUNCATE on request: SQLite takes the
// checkpoint lock without its busy handler (SQLITE_BUSY at once while another connection
// checkpoints, e.g. another process's worker), so the loop retries until the deadline; the write
// lock and the readers are waited for by the busy handler, in steps short enough to see it.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = ' + Math.min(50, workerData.busyMs));
const pause = new Int32Array(new SharedArrayBuffer(4));
const checkpoint = (mode) => db.pragma('wal_checkpoint(' + mode + ')')[0];
const tick = () => {
  try { checkpoint('PASSIVE'); } catch {}
};
const complete = (mode) => {
  const start = Date.now();
  for (;;) {
    let busy = 1;
    try {
      checkpoint('PASSIVE');
      busy = checkpoint(mode === 'TRUNCATE' ? 'TRUNCATE' : 'RESTART').busy;
    } catch {}
    const ms = Date.now() - start;
    if (busy === 0 || ms >= workerData.busyMs) return { done: busy === 0, ms };
    Atomics.wait(pause, 0, 0, 5);
  }
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', (m) => {
  if (m.type === 'checkpoint') {
    parentPort.postMessage({ id: m.id, ...complete(m.mode) });
    return;
  }
  clearInterval(timer);
  tick();
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop. With SQLite's automatic checkpoints, every ~1,000th
 * commit copies the WAL back into the database file (and syncs it) inside the request that
 * happened to commit; here a worker thread does it every `intervalMs` on its own connection, and
 * completes one (RESTART or TRUNCATE) when asked. The caller turns the connection's
 * `wal_autocheckpoint` off.
 */
export function startCheckpointer(
  path: string,
  options: { intervalMs?: number; busyMs?: number; onFailure: (err: unknown) => void },
): Checkpointer {
  const intervalMs = options.intervalMs ?? 200;
  const busyMs = options.busyMs ?? 250;
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, path, intervalMs, busyMs },
  });
  worker.unref();
  let alive = true;
  let nextId = 0;
  const pending = new Map<number, (r: CheckpointResult) => void>();
  const settleAll = () => {
    for (const resolve of pending.values()) resolve({ done: false, ms: 0 });
    pending.clear();
  };
  worker.on('message', (m: CheckpointResult & { id: number }) => {
    pending.get(m.id)?.({ done: m.done, ms: m.ms });
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
  });
  // The caller falls back to SQLite's own checkpoints.
  worker.on('error', (err) => {
    alive = false;
    settleAll();
    options.onFailure(err);
  });
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      alive = false;
      settleAll();
      resolve();
    }),
  );
  return {
    get alive() {
      return alive;
    },
    checkpoint(mode) {
      if (!alive) return Promise.resolve({ done: false, ms: 0 });
      const id = nextId++;
      worker.ref(); // an awaited answer keeps the process alive
      return new Promise((resolve) => {
        pending.set(id, resolve);
        worker.postMessage({ type: 'checkpoint', id, mode });
      });
    },
    async stop() {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage({ type: 'stop' });
      await exited;
    },
  };
}
