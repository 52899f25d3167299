import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A background WAL checkpointer. */
export interface Checkpointer {
  stop(): Promise<void>;
}

// Runs in the worker: its own connection to the database file, checkpointing on a timer.
// PASSIVE never waits for (or blocks) the writer or readers; SQLite restarts the WAL from the
// top once a checkpoint has caught up, so the file stays small.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path);
db.pragma('busy_timeout = 1000');
const tick = () => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
};
const timer = setInterval(tick, workerData.intervalMs);
parentPort.on('message', () => {
  clearInterval(timer);
  tick();
  db.close();
  parentPort.close();
});
`;

/**
 * Moves WAL checkpoints off the event loop. With SQLite's automatic checkpoints, every ~1,000th
 * commit copies the WAL back into the database file (and syncs it) inside the request that
 * happened to commit; here a worker thread does it every `intervalMs` on its own connection.
 * The caller turns the connection's `wal_autocheckpoint` off.
 */
export function startCheckpointer(
  path: string,
  options: { intervalMs?: number; onFailure: (err: unknown) => void },
): Checkpointer {
  const intervalMs = options.intervalMs ?? 200;
  const module = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { module, path, intervalMs },
  });
  worker.unref();
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
