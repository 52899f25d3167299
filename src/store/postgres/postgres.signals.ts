import pg from 'pg';
import type { StoreSignals } from '../store.js';

/**
 * LISTEN/NOTIFY wake-ups: one dedicated connection LISTENs (opened on the first subscribe);
 * `publish` sends at most one NOTIFY per channel per event-loop turn through the pool, so a
 * burst of commits wakes other processes once instead of once per row.
 */
export function postgresSignals(
  pool: pg.Pool,
  connectionString: string,
): StoreSignals & {
  close(): Promise<void>;
} {
  const listeners = new Map<string, Set<() => void>>();
  const pending = new Set<string>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;

  const listenClient = (): Promise<pg.Client> => {
    connecting ??= (async () => {
      const c = new pg.Client({ connectionString });
      c.on('error', () => undefined);
      c.on('notification', (n) => listeners.get(n.channel)?.forEach((l) => l()));
      await c.connect();
      client = c;
      return c;
    })();
    return connecting;
  };
  const ident = (channel: string) => `"${channel.replaceAll('"', '""')}"`;

  return {
    publish(channel) {
      if (pending.has(channel)) return;
      pending.add(channel);
      setImmediate(() => {
        pending.delete(channel);
        pool.query('select pg_notify($1, $2)', [channel, '']).catch(() => undefined);
      });
    },
    async subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) {
        set = new Set();
        listeners.set(channel, set);
        await (await listenClient()).query(`LISTEN ${ident(channel)}`);
      }
      set.add(listener);
      return async () => {
        set.delete(listener);
      };
    },
    async close() {
      listeners.clear();
      await client?.end().catch(() => undefined);
      client = null;
      connecting = null;
    },
  };
}
