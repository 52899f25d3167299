import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Store } from '../store/store.js';
import type { StoreFailureState, StoreHealth } from '../store/health.js';
import { storeUnavailable } from '../store/unavailable.js';

/** The failure a health answer reports: the burst under way, or why the read probe failed. */
type Failure = Pick<StoreFailureState, 'code' | 'message'> & {
  /** The store's failure kind, or `workers` when the workers of this process are not running. */
  kind: StoreFailureState['kind'] | 'workers';
  since?: number;
};

/**
 * `GET /healthz` and `GET /readyz` (Loft's own, unauthenticated). Both answer 503 with a small
 * JSON body while the store cannot take writes (see `storeHealth`) or does not answer a read,
 * and 200 again once a write probe succeeds. `/readyz` answers only once start-up is complete:
 * the server listens after the migrations have run, so "ready" also means "migrated". Where
 * this process runs the workers (`workersRunning` given), `/readyz` also answers 503 while they
 * are not running (before they start, and once a shutdown stopped them).
 */
export function healthRoutes(
  app: FastifyInstance,
  store: Store,
  health?: StoreHealth,
  workersRunning?: () => boolean,
): void {
  const engine = store.capabilities.engine;
  /** The store's state: the write health, then a read (the liveness check of old). */
  const failure = async (): Promise<Failure | undefined> => {
    const failing = health?.check();
    if (failing) return failing;
    try {
      await store.ping();
      return undefined;
    } catch (e) {
      const u = storeUnavailable(e);
      return {
        kind: u?.kind ?? 'connection',
        code: u?.code ?? 'PING_FAILED',
        message: u?.message ?? 'the store did not answer a read',
      };
    }
  };
  const unavailable = (reply: FastifyReply, status: string, f: Failure, writable = false) =>
    reply
      .code(503)
      .header('cache-control', 'no-store')
      .send({
        status,
        store: engine,
        writable,
        error: {
          kind: f.kind,
          code: f.code,
          message: f.message,
          ...(f.since !== undefined && { since: new Date(f.since).toISOString() }),
        },
      });

  app.get('/healthz', async (_req, reply) => {
    const f = await failure();
    if (f) return unavailable(reply, 'unavailable', f);
    return { status: 'ok', store: engine };
  });

  app.get('/readyz', async (_req, reply) => {
    const f = await failure();
    if (f) return unavailable(reply, 'not_ready', f);
    if (workersRunning && !workersRunning()) {
      const message = 'the background workers of this process are not running';
      return unavailable(
        reply,
        'not_ready',
        { kind: 'workers', code: 'WORKERS_NOT_RUNNING', message },
        true,
      );
    }
    return { status: 'ready', store: engine, writable: true, migrations: 'applied' };
  });
}
