import type { StoreLog } from '../health.js';
import pg from 'pg';
import type { StoreSignals } from '../store.js';

/** Back-off between attempts to re-open a lost LISTEN connection. */
const RETRY_MIN_MS = 250;
const RETRY_MAX_MS = 30_000;

/**
 * LISTEN/NOTIFY wake-ups: one dedicated connection LISTENs (opened on the first subscribe);
 * `publish` sends at most one NOTIFY per channel per event-loop turn through the pool, so a
 * burst of commits wakes other processes once instead of once per row. A lost LISTEN
 * connection is re-opened with back-off, and every listener is then called once.
 */
export function postgresSignals(
  pool: pg.Pool,
  connectionString: string,
  log?: StoreLog,
): StoreSignals & {
  close(): Promise<void>;
} {
  const listeners = new Map<string, Set<() => void>>();
  const pending = new Set<string>();
  let client: pg.Client | null = null;
  let connecting: Promise<pg.Client> | null = null;
  let closed = false;
  let retryMs = RETRY_MIN_MS;

  const connect = async (): Promise<pg.Client> => {
    const c = new pg.Client({ connectionString });
    c.on('error', () => undefined);
    c.on('notification', (n) => listeners.get(n.channel)?.forEach((l) => l()));
    // A lost connection (server restart, network) is replaced, so wake-ups and cache
    // invalidations from other processes keep arriving.
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      connecting = null;
      if (closed) return;
      log?.error(
        {},
        'PostgreSQL LISTEN connection lost: reconnecting (wake-ups from other processes wait)',
      );
      reconnectSoon();
    });
    await c.connect();
    for (const channel of listeners.keys()) await c.query(`LISTEN ${ident(channel)}`);
    client = c;
    return c;
  };
  const listenClient = (): Promise<pg.Client> => {
    connecting ??= connect().catch((e: unknown) => {
      connecting = null;
      throw e;
    });
    return connecting;
  };
  const reconnectSoon = () => {
    setTimeout(() => {
      if (closed) return;
      listenClient().then(
        () => {
          retryMs = RETRY_MIN_MS;
          log?.info({}, 'PostgreSQL LISTEN connection re-opened');
          // Signals sent while disconnected are lost: wake every listener once instead.
          for (const set of listeners.values()) set.forEach((l) => l());
        },
        (err: unknown) => {
          retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
          log?.error({ err, retryMs }, 'PostgreSQL LISTEN reconnect failed: trying again');
          reconnectSoon();
        },
      );
    }, retryMs).unref();
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
        // A connection still to open LISTENs on every channel in `listeners`, this one too.
        if (client) await client.query(`LISTEN ${ident(channel)}`);
        else await listenClient();
      }
      set.add(listener);
      return () => {
        set.delete(listener);
        return Promise.resolve();
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      await client?.end().catch(() => undefined);
      client = null;
      connecting = null;
    },
  };
}
