import Fastify, { type FastifyInstance } from 'fastify';
import type { Logger } from './log/loggers.js';
import type { Clock } from './clock.js';
import type { Ids } from './ids.js';
import type { Store } from './store/store.js';
import { clientErrorHandler, frameworkErrors, installErrorHandling } from './http/error-handler.js';
import { notFound, TwilioError } from './http/errors.js';
import { hasNul, parseFormStrict, tooManyParams } from './http/form.js';
import { formBodiesOnly, tooManyParamsError } from './http/form.parser.js';
import {
  AccessLog,
  enableRequestLog,
  installRequestHeaders,
  requestIdOptions,
} from './http/request-id.js';
import { HTTP_LIMITS, serverOptions, urlTooLong, type HttpLimits } from './http/limits.js';
import { installJsonParser } from './http/json.js';
import { accountRoutes } from './accounts/accounts.routes.js';
import type { AccountsService } from './accounts/accounts.service.js';
import { keyRoutes } from './keys/keys.routes.js';
import { messageRoutes } from './messages/messages.routes.js';
import { loftRoutes } from './loft/loft.routes.js';
import { carrierRoutes } from './loft/loft.carriers.js';
import type { CarrierListing } from './delivery/carriers/carriers.setup.js';
import { mediaRoutes } from './media/media.routes.js';
import { feedbackRoutes } from './feedback/feedback.routes.js';
import { optOutRoutes } from './optout/optout.routes.js';
import { messagesService, type MessageSink } from './messages/messages.service.js';
import { phoneNumberRoutes } from './phone-numbers/phone-numbers.routes.js';
import { phoneNumbersService } from './phone-numbers/phone-numbers.service.js';
import { serviceRoutes } from './messaging-services/messaging-services.routes.js';
import { messagingServicesService } from './messaging-services/messaging-services.service.js';
import { applicationRoutes } from './applications/applications.routes.js';
import type { SimNetwork } from './delivery/simulator/sim.network.js';
import type { StatusCallbacks } from './delivery/lifecycle.js';
import { simRoutes } from './delivery/simulator/sim.routes.js';
import { simHandsetRoutes } from './delivery/simulator/sim.handsets.routes.js';
import { simAuth } from './delivery/simulator/sim.auth.js';
import type { InboundInput } from './inbound/inbound.ingest.js';
import type { Message } from './store/records.js';
import type { StoreHealth } from './store/health.js';
import { healthRoutes } from './health/health.routes.js';
import { installConsole } from './console/console.routes.js';
import type { LoftMetrics } from './metrics/metrics.js';
import { livenessRoute, metricsRoutes, type MetricsAccess } from './metrics/metrics.routes.js';

/** Everything the HTTP app is built from. No module-level state: two apps never share anything. */
export interface AppDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  accounts: AccountsService;
  /** Receives every accepted message (the delivery pipeline). */
  sink?: MessageSink;
  /** Status callbacks for status changes made through the API. */
  callbacks?: StatusCallbacks;
  /** Sender backlog under pacing (21611 at create past 10 h). */
  backlogMs?: (sender: string, now: number) => number;
  /** The inbound ingest path, behind `POST /sim/handsets/{E164}/messages`. */
  ingest?: (input: InboundInput) => Promise<Message>;
  /** The simulated carrier network, whose control API is mounted under `/sim`. */
  network?: SimNetwork;
  /** Whether this process's background workers run, where it runs them (`/readyz`). */
  workersRunning?: () => boolean;
  /** The store's write health, reported by `/healthz` and `/readyz`. */
  health?: StoreHealth;
  /** The `http` subsystem's logger (none: nothing is logged). */
  log?: Logger;
  /** LOG_REQUESTS: one access line per request (see {@link AccessLog}). */
  logRequests?: boolean;
  bodyLimit?: number;
  /** HTTP limits and timeouts; {@link HTTP_LIMITS} where not given (tests shorten them). */
  http?: Partial<HttpLimits>;
  /** This process's metrics (its own registry): served at `/metrics`, fed by every request. */
  metrics?: LoftMetrics;
  /** Who may read `/metrics` (METRICS_TOKEN); loopback clients only when not given. */
  metricsAccess?: MetricsAccess;
  /** The carriers' states for `GET /loft/v1/Carriers` (none listed when not given). */
  carriers?: () => CarrierListing[];
}

const jsonOnly = () =>
  new TwilioError(
    415,
    20001,
    "Unsupported Content-Type: /sim takes application/json (curl: -H 'content-type: application/json')",
  );

// A query string that cannot be used is marked with its error so the request can be refused.
const QUERY_ERROR = Symbol('query-error');

function parseQuery(s: string): { [key: string]: unknown } {
  if (tooManyParams(s)) return { [QUERY_ERROR]: tooManyParamsError('Query string') };
  const parsed = parseFormStrict(s, 'query string');
  return parsed instanceof TwilioError ? { [QUERY_ERROR]: parsed } : parsed;
}

/** Builds the Fastify app with every route; does not listen. */
export function createApp(deps: AppDeps): FastifyInstance {
  const limits: HttpLimits = { ...HTTP_LIMITS, ...deps.http };
  const app = Fastify({
    ...serverOptions(limits),
    ...(deps.log ? { loggerInstance: deps.log } : { logger: false }),
    // With LOG_REQUESTS=on, one access line per request, with its Twilio-Request-Id as `reqId`
    // (off by default: at load they cost more than the request itself).
    logController: new AccessLog(deps.logRequests ?? false),
    ...requestIdOptions(deps.ids),
    bodyLimit: deps.bodyLimit ?? 1024 * 1024,
    frameworkErrors,
    // Only the /sim JSON bodies have schemas: validate them as sent, never coerce types.
    ajv: { customOptions: { coerceTypes: false, allowUnionTypes: true } },
    clientErrorHandler: clientErrorHandler(deps.ids),
    routerOptions: {
      ignoreTrailingSlash: false,
      querystringParser: parseQuery,
    },
  });
  installErrorHandling(app);
  installRequestHeaders(app);
  if (deps.logRequests) enableRequestLog(app);
  installJsonParser(app);

  // A callback hook, not an async one: it runs on every request, and a promise per request shows.
  app.addHook('onRequest', (req, _reply, done) => {
    const error =
      urlTooLong(req.url, limits) ??
      (req.query as Record<symbol, TwilioError | undefined>)[QUERY_ERROR];
    if (error) done(error);
    // A path segment holding U+0000 (`%00`) names no resource (see hasNul).
    else if (hasNul(req.params as Record<string, string>)) done(notFound(req.url.split('?')[0]!));
    else done();
  });

  // The web console at /console (GET / redirects there); its session cookie works on the API
  // paths registered below.
  installConsole(app, { store: deps.store, clock: deps.clock });

  healthRoutes(app, deps.store, deps.health, deps.workersRunning);
  livenessRoute(app);
  if (deps.metrics) metricsRoutes(app, deps.metrics, deps.metricsAccess ?? {});

  // The simulator's API (Loft's own), behind the API's credentials; absent with SIM=off (404 as
  // any route). It speaks JSON only; anything else gets a 415 that says so (curl's -d sends a
  // form unless told otherwise).
  const { network, ingest } = deps;
  if (network) {
    // Fastify: an async plugin's throw (e.g. a duplicate route) rejects ready(); a callback
    // plugin's would crash the process.
    // eslint-disable-next-line @typescript-eslint/require-await
    void app.register(async (sim) => {
      sim.removeContentTypeParser('text/plain');
      sim.addContentTypeParser('*', (_req, _body, done) => done(jsonOnly(), undefined));
      const caller = simAuth(sim, deps.store);
      simRoutes(sim, { store: deps.store, clock: deps.clock, network, caller });
      if (ingest) simHandsetRoutes(sim, { store: deps.store, clock: deps.clock, ingest, caller });
    });
  }

  // Twilio's API speaks only application/x-www-form-urlencoded request bodies.
  // Fastify: an async plugin's throw (e.g. a duplicate route) rejects ready(); a callback
  // plugin's would crash the process.
  // eslint-disable-next-line @typescript-eslint/require-await
  void app.register(async (api) => {
    formBodiesOnly(api);
    const messages = messagesService(deps);
    accountRoutes(api, deps.store, deps.accounts);
    keyRoutes(api, deps);
    phoneNumberRoutes(api, deps.store, phoneNumbersService(deps));
    messageRoutes(api, deps.store, messages);
    loftRoutes(api, deps.store, deps.accounts, deps.clock);
    carrierRoutes(api, deps.store, deps.carriers ?? (() => []));
    serviceRoutes(api, deps.store, messagingServicesService(deps));
    applicationRoutes(api, deps);
    mediaRoutes(api, deps.store);
    feedbackRoutes(api, deps);
    optOutRoutes(api, deps.store);
  });
  return app;
}
