import type { FastifyInstance } from 'fastify';
import { createApp } from './app.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { randomIds, type Ids } from './ids.js';
import { accountsService } from './accounts/accounts.service.js';
import type { Account, TestCredentials } from './store/records.js';
import { openStore } from './store/open.js';
import { withReadCache } from './store/cached.store.js';
import type { Store } from './store/store.js';
import { seedSimNetwork, setupDelivery, type Delivery } from './delivery/delivery.setup.js';
import {
  startCarriers,
  type CarrierFactory,
  type CarrierListing,
  type CarrierObserver,
} from './delivery/carriers/carriers.setup.js';
import { statusCallbacks } from './delivery/status-callbacks.js';
import { ingestInbound, type InboundInput } from './inbound/inbound.ingest.js';
import { applyDeliveryReport } from './delivery/lifecycle.js';
import { scheduleRetention } from './delivery/retention.js';
import { applyOptOut, isBlocked } from './optout/optout.service.js';
import type { HttpLimits } from './http/limits.js';
import { storeHealth } from './store/health.js';
import {
  createLogger,
  loggerFrom,
  subsystems,
  type LoggerOption,
  type Loggers,
} from './log/loggers.js';
import { version } from './cli/help.js';
import { storeUnavailable } from './store/unavailable.js';
import { isLoopback } from './http/loopback.js';
import { createMetrics, type LoftMetrics } from './metrics/metrics.js';
import { carrierMetrics } from './metrics/carriers.metrics.js';
import { observeStore } from './metrics/metrics.store.js';
import type { MetricsAccess } from './metrics/metrics.routes.js';
import { startMetricsServer, type MetricsServer } from './metrics/metrics.server.js';

/** A running Loft server. */
export interface Server {
  app: FastifyInstance;
  store: Store;
  /** The main account, whether this start created it, and its test credentials. */
  main: { account: Account; created: boolean; test: TestCredentials };
  /** `http://host:port` the server actually listens on. */
  url: string;
  /** The simulated network and the delivery pipeline. */
  delivery: Delivery;
  /** This process's metrics (served at `/metrics`). */
  metrics: LoftMetrics;
  /** The process's root logger and its subsystems' children. */
  loggers: Loggers;
  close(): Promise<void>;
}

/** Optional overrides for tests: deterministic time and ids, quiet logs. */
export interface ServerOverrides {
  clock?: Clock;
  ids?: Ids;
  /**
   * The process's logger: `false` for none, a pino logger, or pino options (with a `stream`);
   * default: LOG_LEVEL and LOG_FORMAT on stdout (see {@link createLogger}).
   */
  logger?: LoggerOption;
  /** `manual`: background runners stay off; tests call `delivery.pipeline.runDue()`. */
  delivery?: 'auto' | 'manual';
  /** A store opened by the caller (e.g. a test harness's PGlite) instead of `config.databaseUrl`. */
  store?: Store;
  /** Shorter HTTP timeouts or limits (the defaults are `HTTP_LIMITS`). */
  http?: Partial<HttpLimits>;
  /** Builds the network carriers of CARRIERS (tests inject a fake or point at a test SMSC). */
  carrierFactory?: CarrierFactory;
}

/** Composition root: config → store → app → listen. */
export async function startServer(
  config: Config,
  overrides: ServerOverrides = {},
): Promise<Server> {
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? randomIds();
  // The logger exists before anything else, so no start-up line or early error is lost.
  const loggers = processLoggers(config, overrides);
  const { store, metrics } = await openObserved(config, clock, overrides, loggers);
  const accounts = accountsService({ store, clock, ids });
  const main = await closeOnFailure(store, async () => {
    const ensured = await accounts.ensureMain(config.mainAccount);
    const test = await accounts.testCredentials(ensured.account);
    // A single-process store: leases left by a crashed predecessor are ours to take now. Not in
    // an API-only process: a `loft worker` beside it on the same file holds leases it still runs.
    if (!store.capabilities.multiProcess && config.workers) {
      await store.outbox.releaseAll();
      await store.webhooks.releaseAll(clock.now());
    }
    return { ...ensured, test };
  });
  // The store's unavailability (a full disk, a lost connection) is logged once per burst by
  // its health, not per job.
  const health = storeHealth({ store, clock, log: () => loggers.of('store') });
  const delivery = setupDelivery({
    config,
    store,
    clock,
    ids,
    loggers,
    onError: backgroundErrors(loggers),
    ...(overrides.carrierFactory && { carrierFactory: overrides.carrierFactory }),
    observeSubmit: (carrier, result) => observer.value?.submitted(carrier, result),
    logger: loggers.of('smpp'),
  });
  const observer = { value: carrierObserver(metrics, delivery) };
  // The one path every inbound message takes, from the simulator's handsets or a carrier.
  const ingest = ingestThrough({ config, store, clock, ids, delivery, loggers });
  delivery.carrier.attach?.({
    inbound: ingest,
    deliveryReport: async (report) => {
      await applyDeliveryReport(store, statusCallbacks, report, clock.now());
      loggers.of('delivery').debug({ report }, 'delivery report applied');
      delivery.pipeline.notify();
    },
  });
  const app = createApp({
    store,
    clock,
    ids,
    accounts,
    sink: delivery.pipeline,
    ingest,
    callbacks: statusCallbacks,
    ...(delivery.pacer && { backlogMs: delivery.pacer.backlogMs.bind(delivery.pacer) }),
    network: delivery.network,
    health,
    ...(overrides.delivery !== 'manual' &&
      config.workers && { workersRunning: () => delivery.pipeline.running() }),
    // Credentials never reach the log, should a serializer or a debug line ever include them
    // (LOG_REDACT).
    log: loggers.of('http'),
    logRequests: config.logRequests,
    bodyLimit: config.bodyLimit,
    ...(overrides.http && { http: overrides.http }),
    metrics,
    metricsAccess: metricsAccess(config),
    carriers: () => carrierListing(delivery, config),
  });
  try {
    await seedSimNetwork(delivery, config, store);
    await app.listen({ port: config.port, host: config.host });
    await scheduleRetention(store, clock.now());
  } catch (e) {
    health.close();
    await app.close();
    await store.close();
    throw e;
  }
  if (config.sim.enabled && !isLoopback(config.host)) {
    app.log.warn(
      { host: config.host },
      'SIM is on and HOST is not a loopback address: the simulated carrier and its /sim API are reachable from the network (set SIM=off in production)',
    );
  }
  const open = openMetricsWarning(config, config.host);
  if (open) app.log.warn({ host: config.host }, open);
  if (overrides.delivery !== 'manual' && config.workers) delivery.pipeline.start();
  // Binds open in a process that delivers: receipts and handset messages come back on them.
  const carriers = startCarriers({
    carriers: config.workers ? delivery.networkCarriers : [],
    store,
    clock,
    callbacks: statusCallbacks,
    ingest,
    notify: () => delivery.pipeline.notify(),
    ...(observer.value && { observer: observer.value }),
  });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const url = `http://${host}:${port}`;
  loggers.root.info(
    { address: url, store: store.capabilities.engine, version: version(), workers: config.workers },
    'started',
  );
  return {
    app,
    store,
    main,
    url,
    delivery,
    metrics,
    loggers,
    async close() {
      // Stops accepting at once; requests in flight finish (app.close() waits for them), then
      // jobs in flight, and the leases of jobs not started go back.
      await app.close();
      await delivery.pipeline.stop();
      await carriers.close();
      health.close();
      await store.close();
    },
  };
}

/** The start-up banner: where to connect and how to point the SDKs here. */
export function banner(server: Server, config: Config): string {
  const { account, created, test } = server.main;
  const base = config.publicBaseUrl.includes(':0') ? server.url : config.publicBaseUrl;
  const lines = [
    `Loft is listening on ${server.url} (store: ${server.store.capabilities.engine})`,
    `Main account: ${account.sid}`,
  ];
  if (created && !config.mainAccount) {
    lines.push(`Auth token:   ${account.authToken}   (generated now; shown only once)`);
  }
  // Test credentials reach no data (they only validate sends), so they are shown every time.
  lines.push(
    `Test SID:     ${test.testSid}   (test credentials: sends are validated, never stored or sent)`,
    `Test token:   ${test.authToken}`,
  );
  lines.push(
    '',
    'Node:   const client = twilio(accountSid, authToken);',
    `        client.api.baseUrl = '${base}';`,
    'Python: client = Client(account_sid, auth_token)',
    `        client.api.base_url = '${base}'`,
  );
  return lines.join('\n');
}

/** A background-only process: dispatch, delivery reports, webhooks and retention; no HTTP. */
export interface Worker {
  store: Store;
  delivery: Delivery;
  metrics: LoftMetrics;
  /** `/metrics` and `/livez`, when METRICS_PORT is set. */
  metricsServer?: MetricsServer;
  loggers: Loggers;
  close(): Promise<void>;
}

/**
 * `loft worker`: runs the pipeline against a shared store (PostgreSQL) next to any number of
 * `loft serve` processes. Jobs are claimed with leases, so workers and servers split the work.
 */
export async function startWorker(
  config: Config,
  overrides: ServerOverrides = {},
): Promise<Worker> {
  const clock = overrides.clock ?? systemClock;
  const ids = overrides.ids ?? randomIds();
  const loggers = processLoggers(config, overrides);
  const { store, metrics } = await openObserved(config, clock, overrides, loggers);
  if (!store.capabilities.multiProcess) {
    await closeOnFailure(store, async () => {
      await store.outbox.releaseAll();
      await store.webhooks.releaseAll(clock.now());
    });
  }
  const health = storeHealth({ store, clock, log: () => loggers.of('store') });
  const onError = backgroundErrors(loggers);
  const delivery = setupDelivery({
    config,
    store,
    clock,
    ids,
    onError,
    loggers,
    ...(overrides.carrierFactory && { carrierFactory: overrides.carrierFactory }),
    observeSubmit: (carrier, result) => observer.value?.submitted(carrier, result),
    logger: loggers.of('smpp'),
  });
  const observer = { value: carrierObserver(metrics, delivery) };
  let metricsServer: MetricsServer | undefined;
  try {
    await seedSimNetwork(delivery, config, store);
    if (config.metrics.port !== undefined) {
      metricsServer = await startMetricsServer({
        metrics,
        access: metricsAccess(config),
        host: config.host,
        port: config.metrics.port,
      });
    }
    await scheduleRetention(store, clock.now());
  } catch (e) {
    health.close();
    await metricsServer?.close();
    await store.close();
    throw e;
  }
  delivery.pipeline.start();
  // A worker's binds bring receipts and handset messages too: the same ingest as a server's.
  const carriers = startCarriers({
    carriers: delivery.networkCarriers,
    store,
    clock,
    callbacks: statusCallbacks,
    ingest: ingestThrough({ config, store, clock, ids, delivery, loggers }),
    notify: () => delivery.pipeline.notify(),
    ...(observer.value && { observer: observer.value }),
  });
  loggers.root.info(
    {
      store: store.capabilities.engine,
      version: version(),
      ...(metricsServer && { metrics: metricsServer.url }),
    },
    'worker started',
  );
  return {
    store,
    delivery,
    metrics,
    loggers,
    ...(metricsServer && { metricsServer }),
    async close() {
      await metricsServer?.close();
      await delivery.pipeline.stop();
      await carriers.close();
      health.close();
      await store.close();
    },
  };
}

/**
 * The store a process works on: opened (or the caller's), behind the read cache, with its
 * committed writes counted by the process's own metrics.
 */
async function openObserved(
  config: Config,
  clock: Clock,
  overrides: ServerOverrides,
  loggers: Loggers,
): Promise<{ store: Store; metrics: LoftMetrics }> {
  const log = loggers.of('store');
  const opened = await withReadCache(
    overrides.store ??
      (await openStore(config.databaseUrl, {
        sqliteWalLimitMb: config.sqliteWalLimitMb,
        onWarning: (msg) => log.warn({}, msg),
        log,
      })),
  );
  const metrics = createMetrics({ store: opened, clock });
  return { store: observeStore(opened, metrics.observer), metrics };
}

/**
 * Runs the first work on a store just opened and closes the store if it fails, so a failed start
 * leaves no timer or checkpoint thread behind (the process then ends by itself). The start-up
 * error is the one reported: a failure to close after it is dropped.
 */
async function closeOnFailure<T>(store: Store, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    await store.close().catch(() => undefined);
    throw e;
  }
}

/** The process's loggers: the caller's (tests), or LOG_LEVEL / LOG_FORMAT on stdout. */
function processLoggers(config: Config, overrides: ServerOverrides): Loggers {
  const root =
    overrides.logger === undefined
      ? createLogger({ level: config.logLevel, format: config.logFormat })
      : loggerFrom(overrides.logger);
  return subsystems(root);
}

/**
 * Background failures (a job's handler, a claim, a lease renewal, a router after a commit) at
 * error, on the `jobs` logger; the store's unavailability is left to its health (once a burst).
 */
const backgroundErrors =
  (loggers: Loggers) =>
  (err: unknown, job?: { id: number; kind: string }): void => {
    if (storeUnavailable(err)) return;
    const detail = job ? { err, jobId: job.id, kind: job.kind } : { err };
    loggers.of('jobs').error(detail, 'background job failed');
  };

/** Who may read `/metrics`, from the configuration. */
const metricsAccess = (config: Config): MetricsAccess =>
  config.metrics.token === undefined ? {} : { token: config.metrics.token };

/**
 * The start-up warning when `/metrics` listens beyond loopback without METRICS_TOKEN: it then
 * answers loopback clients only (403 to the others), which a scraper elsewhere would not expect.
 */
export function openMetricsWarning(config: Config, host: string): string | undefined {
  if (config.metrics.token !== undefined || isLoopback(host)) return undefined;
  return 'HOST is not a loopback address and METRICS_TOKEN is unset: /metrics answers loopback clients only (403 to the others); set METRICS_TOKEN to scrape it from elsewhere';
}

/** `GET /loft/v1/Carriers`: every network carrier's binds, then the simulator when it is on. */
function carrierListing(delivery: Delivery, config: Config): CarrierListing[] {
  const list: CarrierListing[] = delivery.networkCarriers.map((c) => c.status());
  if (config.sim.enabled) list.push({ name: 'sim', type: 'simulator' });
  return list;
}

/** The one path every inbound message takes, from the simulator's handsets or a carrier. */
function ingestThrough(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  ids: Ids;
  delivery: Delivery;
  loggers: Loggers;
}): (input: InboundInput) => ReturnType<typeof ingestInbound> {
  const { config, store, clock, ids, delivery } = deps;
  const log = deps.loggers.of('inbound');
  return async (input) => {
    const message = await ingestInbound(
      {
        store,
        clock,
        ids,
        publicBaseUrl: config.publicBaseUrl,
        prices: delivery.prices,
        applyOptOut,
        isBlocked,
        notify: () => delivery.pipeline.notify(),
        outbound: delivery.outbound,
      },
      input,
    );
    log.debug({ sid: message.sid, accountSid: message.accountSid }, 'inbound message stored');
    return message;
  };
}

/** The carriers' series on the process's metrics, when it has network carriers. */
function carrierObserver(metrics: LoftMetrics, delivery: Delivery): CarrierObserver | undefined {
  const carriers = delivery.networkCarriers;
  if (carriers.length === 0) return undefined;
  return carrierMetrics(metrics.registry, () => carriers.map((c) => c.status()));
}
