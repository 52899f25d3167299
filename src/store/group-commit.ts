import { storeUnavailable } from './unavailable.js';

/** Settings of a {@link groupCommit} batcher. */
export interface GroupCommitOptions {
  /** Most items written by one flush; the rest wait for the next. */
  maxBatch?: number;
  /** Flushes allowed to run at once (1 on a single connection; more on a connection pool). */
  concurrency?: number;
}

/**
 * Group commit: callers hand in one item each and get its own result, while the items that
 * arrive during one event-loop turn (and while earlier flushes run) are written together by one
 * call of `flush`, typically one transaction. With every flush slot busy, batches grow by
 * themselves under load, and stay single items when idle. When a batch fails, its items are
 * retried one by one, so a bad item fails alone and good ones are still committed; but not when
 * the store is unavailable (a full disk, a lost connection): that is no item's fault, and every
 * item gets the error at once instead of one more failed write each.
 */
export function groupCommit<I, O>(
  flush: (items: I[]) => Promise<O[]>,
  options: GroupCommitOptions = {},
): (item: I) => Promise<O> {
  const maxBatch = options.maxBatch ?? 1000;
  const concurrency = options.concurrency ?? 1;
  type Waiter = { item: I; resolve: (o: O) => void; reject: (e: unknown) => void };
  let queue: Waiter[] = [];
  let running = 0;
  let scheduled = false;

  const write = async (batch: Waiter[]) => {
    try {
      const out = await flush(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(out[i] as O));
    } catch (e) {
      if (batch.length === 1 || storeUnavailable(e)) for (const w of batch) w.reject(e);
      else for (const w of batch) await write([w]);
    }
  };

  const drain = () => {
    scheduled = false;
    while (queue.length > 0 && running < concurrency) {
      const batch = queue.slice(0, maxBatch);
      queue = queue.slice(batch.length);
      running++;
      void write(batch).finally(() => {
        running--;
        drain();
      });
    }
  };

  return (item) =>
    new Promise<O>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      if (!scheduled && running < concurrency) {
        scheduled = true;
        // After the current I/O phase: every request parsed in this turn joins the batch.
        setImmediate(drain);
      }
    });
}
