import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Clock } from '../clock.js';
import type { MessageDirection, MessageStatus } from '../store/records.js';
import type { Store, WebhookAttempt, WebhookStatus } from '../store/store.js';

/** The `kind` label of the webhook queue in the queue metrics. */
const WEBHOOK_KIND = 'webhook';

/**
 * Told about writes once they have committed (see `observeStore`): what `/metrics` counts.
 * Each call carries a whole batch, so a group commit costs one call, not one per message.
 */
export interface StoreObserver {
  /** New messages, with the status they were created in. */
  created(messages: ReadonlyArray<{ direction: MessageDirection; status: MessageStatus }>): void;
  /** Status transitions applied (each history entry written), with their error code. */
  transitioned(moves: ReadonlyArray<{ to: MessageStatus; errorCode: number | null }>): void;
  /** Webhook requests written to the attempt log. */
  attempted(
    attempts: ReadonlyArray<Pick<WebhookAttempt, 'responseStatus' | 'error' | 'latencyMs'>>,
  ): void;
  /** Webhooks that reached a final status (`delivered`, or `failed`: given up). */
  settled(statuses: readonly WebhookStatus[]): void;
}

/** A process's metrics: its own registry (never prom-client's global one) and what feeds it. */
export interface LoftMetrics {
  readonly registry: Registry;
  /** Feeds the message, transition and webhook counters from committed store writes. */
  readonly observer: StoreObserver;
  /** Records one answered HTTP request: route template, method, status and duration. */
  request(route: string, method: string, status: number, seconds: number): void;
  /** Reads the scrape-time figures (queue, store) and renders every series as Prometheus text. */
  scrape(): Promise<string>;
  /** The Content-Type of {@link scrape}'s text. */
  readonly contentType: string;
}

/** What the scrape-time figures are read from. */
export interface MetricsDeps {
  /** Queue depth and age (`outbox.stats`, `webhooks.queueStats`) and the engine's figures (`stats`). */
  store: Pick<Store, 'outbox' | 'webhooks' | 'stats'>;
  clock: Clock;
  /**
   * prom-client's default process and Node.js series (CPU, memory, event-loop lag, GC, handles).
   * On unless false; they sample the event loop for the life of the process.
   */
  processMetrics?: boolean;
}

/** Seconds; requests answered from memory take well under a millisecond. */
const HTTP_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30,
];
/** Seconds; a webhook request is cut at WEBHOOK_TIMEOUT_MS (10 s by default). */
const WEBHOOK_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** How a webhook request ended: answered 2xx, answered otherwise, or no answer at all. */
export type AttemptOutcome = 'success' | 'http_error' | 'network_error';

/** The outcome of one attempt log row. */
export function attemptOutcome(a: Pick<WebhookAttempt, 'responseStatus'>): AttemptOutcome {
  if (a.responseStatus === null) return 'network_error';
  return a.responseStatus >= 200 && a.responseStatus < 300 ? 'success' : 'http_error';
}

/** Counts equal label sets of a batch once each, so a batch costs one increment per group. */
function tally<L extends Record<string, string>>(labels: Iterable<L>): Array<[L, number]> {
  const groups = new Map<string, [L, number]>();
  for (const l of labels) {
    const key = Object.values(l).join('\u0000');
    const g = groups.get(key);
    if (g) g[1]++;
    else groups.set(key, [l, 1]);
  }
  return [...groups.values()];
}

/** Builds a process's metrics over a fresh registry. */
export function createMetrics(deps: MetricsDeps): LoftMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (deps.processMetrics !== false) collectDefaultMetrics({ register: registry });

  const http = new Histogram({
    name: 'loft_http_request_duration_seconds',
    help: 'HTTP requests answered, by route template, method and status code',
    labelNames: ['route', 'method', 'status'],
    buckets: HTTP_BUCKETS,
    registers,
  });
  const created = new Counter({
    name: 'loft_messages_created_total',
    help: 'Messages stored, by direction and the status they were created in',
    labelNames: ['direction', 'status'],
    registers,
  });
  const transitions = new Counter({
    name: 'loft_message_status_transitions_total',
    help: 'Message status changes, by the status moved to and its error code (none: no label)',
    labelNames: ['to', 'error_code'],
    registers,
  });
  const attempts = new Counter({
    name: 'loft_webhook_attempts_total',
    help: 'Webhook requests made (status callbacks, inbound), by outcome',
    labelNames: ['outcome'],
    registers,
  });
  const attemptSeconds = new Histogram({
    name: 'loft_webhook_attempt_duration_seconds',
    help: 'Webhook request latency, by outcome',
    labelNames: ['outcome'],
    buckets: WEBHOOK_BUCKETS,
    registers,
  });
  const settled = new Counter({
    name: 'loft_webhooks_finished_total',
    help: 'Webhooks finished: delivered, or failed (given up after their last attempt)',
    labelNames: ['status'],
    registers,
  });
  const queueJobs = new Gauge({
    name: 'loft_queue_jobs',
    help: 'Jobs in the durable queue at scrape time, by kind (running and future ones included)',
    labelNames: ['kind'],
    registers,
  });
  const queueAge = new Gauge({
    name: 'loft_queue_oldest_due_age_seconds',
    help: 'Age of the oldest job due and not running, by kind (0: none waiting)',
    labelNames: ['kind'],
    registers,
  });
  const scrapeErrors = new Counter({
    name: 'loft_metrics_store_errors_total',
    help: 'Scrapes whose store figures (queue, pool, WAL) could not be read',
    registers,
  });
  // Engine series exist only where the engine has the thing (a pool, a WAL file): registered on
  // the first scrape that reports it, so the other engine shows no made-up zero.
  let pool: { connections: Gauge; waiting: Gauge } | undefined;
  let wal: Gauge | undefined;
  // A kind once seen keeps being reported (at 0 when its queue is empty), so its series does not
  // vanish and reappear.
  const kinds = new Set<string>();

  const observer: StoreObserver = {
    created(messages) {
      for (const [labels, n] of tally(
        messages.map((m) => ({ direction: m.direction, status: m.status })),
      )) {
        created.inc(labels, n);
      }
    },
    transitioned(moves) {
      for (const [labels, n] of tally(
        moves.map((m): Record<string, string> =>
          m.errorCode === null ? { to: m.to } : { to: m.to, error_code: String(m.errorCode) },
        ),
      )) {
        transitions.inc(labels, n);
      }
    },
    attempted(list) {
      for (const a of list) {
        const outcome = attemptOutcome(a);
        attempts.inc({ outcome });
        attemptSeconds.observe({ outcome }, a.latencyMs / 1000);
      }
    },
    settled(statuses) {
      for (const status of statuses) if (status !== 'pending') settled.inc({ status });
    },
  };

  /** Queue depth and age per kind, from one grouped read of each queue. */
  async function readQueue(): Promise<void> {
    const now = deps.clock.now();
    // The webhooks table is a queue of its own: shown as the `webhook` kind.
    const [jobs, webhooks] = await Promise.all([
      deps.store.outbox.stats(now),
      deps.store.webhooks.queueStats(now),
    ]);
    const queue = webhooks.jobs > 0 ? [...jobs, { kind: WEBHOOK_KIND, ...webhooks }] : jobs;
    queueJobs.reset();
    queueAge.reset();
    for (const q of queue) kinds.add(q.kind);
    const byKind = new Map(queue.map((q) => [q.kind, q]));
    for (const kind of kinds) {
      const q = byKind.get(kind);
      queueJobs.set({ kind }, q?.jobs ?? 0);
      const oldest = q?.oldestDueAt ?? null;
      queueAge.set({ kind }, oldest === null ? 0 : Math.max(0, now - oldest) / 1000);
    }
  }

  /** The engine's figures: pool (PostgreSQL), WAL size (SQLite). */
  async function readEngine(): Promise<void> {
    const stats = await deps.store.stats();
    if (stats.pool) {
      pool ??= {
        connections: new Gauge({
          name: 'loft_store_pool_connections',
          help: 'Database pool connections, by state (in_use, idle)',
          labelNames: ['state'],
          registers,
        }),
        waiting: new Gauge({
          name: 'loft_store_pool_waiting',
          help: 'Queries waiting for a pooled connection',
          registers,
        }),
      };
      pool.connections.set({ state: 'in_use' }, stats.pool.total - stats.pool.idle);
      pool.connections.set({ state: 'idle' }, stats.pool.idle);
      pool.waiting.set(stats.pool.waiting);
    }
    if (stats.walBytes !== undefined) {
      wal ??= new Gauge({
        name: 'loft_store_wal_bytes',
        help: 'Size of the SQLite write-ahead log file',
        registers,
      });
      wal.set(stats.walBytes);
    }
  }

  return {
    registry,
    observer,
    contentType: registry.contentType,
    request(route, method, status, seconds) {
      http.observe({ route, method, status: String(status) }, seconds);
    },
    async scrape() {
      // The engine's figures first: read before the queue's query takes a connection, the
      // pool's counts do not include the scrape itself.
      const [engine, queue] = await Promise.allSettled([readEngine(), readQueue()]);
      // The store is away: the scrape still answers, without the figures it could not read.
      if (queue.status === 'rejected') {
        queueJobs.reset();
        queueAge.reset();
      }
      if (queue.status === 'rejected' || engine.status === 'rejected') scrapeErrors.inc();
      return registry.metrics();
    },
  };
}
