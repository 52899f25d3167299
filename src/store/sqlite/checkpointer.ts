import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A background WAL checkpointer. */
export interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in the worker: its own connection to the database file, checkpointing on a timer.
// PASSIVE never waits for (or blocks) the writer or readers; SQLite restarts the WAL from the
// top once a checkpoint has caught up, so the file stays small.
// \`optimize\` (0x10002: every table, not only those this connection queried) re-runs ANALYZE
// where the statistics are missing or stale, sampling at most 1,000 rows per index; the other
// connection's statements pick the new statistics up by themselves.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
db.pragma('analysis_limit = 1000');
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
const optimize = () => {
  try { db.pragma('optimize = 0x10002'); } catch {}
  parentPort.postMessage('optimized');
};
const timer = setInterval(tick, workerData.intervalMs);
const optimizer = setInterval(optimize, workerData.optimizeIntervalMs);
optimize();
parentPort.on('message', () => {
  clearInterval(timer);
  clearInterval(optimizer);
  tick();
  db.close();
  parentPort.close();
});
`;

/** Options of {@link startCheckpointer}. */
export interface CheckpointerOptions {
  /** Time between WAL checkpoints (200 ms). */
  intervalMs?: number;
  /** Time between planner statistics checks (10 min); the first runs at start. */
  optimizeIntervalMs?: number;
  /** Called when the worker dies. */
  onFailure: (err: unknown) => void;
  /** Called after each statistics check (for tests). */
  onOptimized?: () => void;
}

/**
 * Moves WAL checkpoints off the event loop. With SQLite's automatic checkpoints, every ~1,000th
 * commit copies the WAL back into the database file (and syncs it) inside the request that
 * happened to commit; here a worker thread does it every `intervalMs` on its own connection.
 * The caller turns the connection's `wal_autocheckpoint` off.
 *
 * The same worker keeps the query planner's statistics current (`PRAGMA optimize`). Without
 * them SQLite guesses, and guesses wrong for a `To` + DateSent window: it walks the whole window
 * through `messages_sent` instead of seeking `messages_to_sent` (46 ms instead of 0.04 ms for a
 * quiet number among 200 k messages).
 */
export function startCheckpointer(path: string, options: CheckpointerOptions): Checkpointer {
  const intervalMs = options.intervalMs ?? 200;
  const optimizeIntervalMs = options.optimizeIntervalMs ?? 600_000;
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, path, intervalMs, optimizeIntervalMs },
  });
  worker.unref();
  worker.on('message', () => options.onOptimized?.());
  // The caller falls back to SQLite's own checkpoints.
  worker.on('error', options.onFailure);
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  return {
    async stop() {
      worker.ref(); // keep the process alive until the last checkpoint is done
      worker.postMessage('stop');
      await exited;
    },
  };
}
