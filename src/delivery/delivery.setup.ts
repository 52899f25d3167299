import { hostname } from 'node:os';
import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { Ids } from '../ids.js';
import type { Loggers } from '../log/loggers.js';
import type { Store } from '../store/store.js';
import { priceTable, type PriceTable } from './pricing.js';
import { Pacer } from './pacing.js';
import { RETENTION_JOB, retentionHandler } from './retention.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { simulatorCarrier } from './simulator/sim.carrier.js';
import type { Carrier } from './carrier.js';
import { SimNetwork } from './simulator/sim.network.js';
import { SimRuleError, type SimRule } from './simulator/sim.rules.js';
import { noCarrier } from './carrier.none.js';
import type { NetworkCarrier, NetworkResult } from './network.carrier.js';
import type { CarrierFactory } from './carriers/carriers.setup.js';
import { createRouter } from './carriers/router.js';
import { createSmppCarrier } from './smpp/smpp.carrier.js';
import type { StatusCallbacks } from './lifecycle.js';
import { statusCallbacks } from './status-callbacks.js';
import { WEBHOOK_GATE, webhookHandler } from '../webhooks/webhooks.handler.js';
import { MEDIA_GATE, prepareMediaUrls } from '../media/media.fetch.js';
import { senderForMessage } from '../messaging-services/messaging-services.sender.js';
import { twimlResponseHandler } from '../twiml/twiml.execute.js';
import { createReply } from '../messages/messages.reply.js';
import { isBlocked } from '../optout/optout.service.js';
import { createOutbound, type Outbound } from '../http/outbound.js';
import { parseDenyList } from '../http/outbound.deny.js';
import { OutboundGate } from '../http/outbound.gate.js';

/** The delivery side of a server: the simulated network and the pipeline that feeds it. */
export interface Delivery {
  /** The simulated network; none with `SIM=off`. */
  network?: SimNetwork;
  /** The carrier messages are submitted to (the simulator, or none with `SIM=off`). */
  carrier: Carrier;
  pipeline: Pipeline;
  /** The effective price table. */
  prices: PriceTable;
  /** Per-sender pacing, when `PACING=on`. */
  pacer?: Pacer;
  /** The HTTP client of media fetches and webhooks, with OUTBOUND_DENY. */
  outbound: Outbound;
  /** The network carriers of `CARRIERS` (attached and started by the process that delivers). */
  networkCarriers: NetworkCarrier[];
}

/** Builds the simulated network from config and the pipeline over it. */
export function setupDelivery(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  ids: Ids;
  callbacks?: StatusCallbacks;
  onError?: (err: unknown) => void;
  /** Subsystem loggers: `webhooks`, `retention`, `jobs` (per-job detail at debug). */
  loggers?: Loggers;
  /** Builds each `CARRIERS` entry's carrier (tests inject a fake). */
  carrierFactory?: CarrierFactory;
  /** Where the carriers log their binds' states (none when absent). */
  logger?: Logger;
  /** Counts network submits (metrics). */
  observeSubmit?: (carrier: string, result: NetworkResult) => void;
}): Delivery {
  const { config, store, clock } = deps;
  const network = config.sim.enabled
    ? new SimNetwork(
        { deliveryDelayMs: config.sim.deliveryDelayMs, seed: config.sim.seed },
        deps.ids,
      )
    : undefined;
  // Validated now, so a bad SIM_RULES / SIM_CHAOS fails before anything starts.
  if (network) startupRules(network, config);
  const prices = priceTable(config.prices);
  const outbound = createOutbound({ deny: parseDenyList(config.outboundDeny.join(',')) });
  const pacer = config.pacing ? new Pacer() : undefined;
  const carrier = network ? simulatorCarrier(network) : noCarrier;
  const factory = deps.carrierFactory ?? defaultCarrierFactory;
  const networkCarriers = config.carriers.map((c) =>
    factory(c, { clock, ...(deps.logger && { logger: deps.logger }) }),
  );
  const router =
    networkCarriers.length > 0 || config.routes.length > 0
      ? createRouter({ rules: config.routes, carriers: networkCarriers, local: carrier })
      : undefined;
  const pipeline = createPipeline({
    store,
    clock,
    carrier,
    ...(router && { router }),
    ...(deps.observeSubmit && { observeSubmit: deps.observeSubmit }),
    prices,
    callbacks: deps.callbacks ?? statusCallbacks,
    webhooks: webhookHandler({
      store,
      clock,
      timeoutMs: config.webhookTimeoutMs,
      retry: { spanMs: config.webhookRetrySpanMs },
      outbound,
      gate: new OutboundGate({ ...WEBHOOK_GATE, ...config.webhookLimits }),
      onResponse: twimlResponseHandler({ clock, ids: deps.ids, createReply, isBlocked }),
      ...(deps.loggers && { log: deps.loggers.of('webhooks') }),
    }),
    pickSender: senderForMessage,
    housekeeping: {
      [RETENTION_JOB]: retentionHandler({
        store,
        clock,
        policy: config.retention,
        ...(deps.loggers && { log: deps.loggers.of('retention') }),
      }),
    },
    pacer,
    mediaGate: new OutboundGate({ ...MEDIA_GATE, ...config.mediaLimits }),
    prepareMedia: (m) =>
      prepareMediaUrls(
        { store, clock, ids: deps.ids, publicBaseUrl: config.publicBaseUrl, outbound },
        m,
      ),
    owner: `${hostname()}:${process.pid}:${deps.ids.secret().slice(0, 8)}`,
    onError: deps.onError,
    leaseMs: config.jobLeaseMs,
    ...(deps.loggers && { log: deps.loggers.of('jobs') }),
  });
  return { network, carrier, pipeline, prices, pacer, outbound, networkCarriers };
}

/** SIM_RULES as network-wide rules; a malformed rule is a ConfigError. */
function startupRules(network: SimNetwork, config: Config): SimRule[] {
  try {
    const rules = config.sim.rules.map((r) => network.parseRule(r, null));
    if (config.sim.chaos !== null) network.parseChaos(config.sim.chaos);
    return rules;
  } catch (e) {
    if (e instanceof SimRuleError) throw new ConfigError(`SIM_RULES / SIM_CHAOS: ${e.message}`);
    throw e;
  }
}

/**
 * Writes the simulator settings given at start-up (SIM_DELAY_MS, SIM_SEED, SIM_RULES as the
 * network-wide rules, SIM_CHAOS) into the store, replacing what it held, so every process
 * sharing it agrees. Settings not given keep their stored values.
 */
export async function seedSimNetwork(delivery: Delivery, config: Config, store: Store) {
  const { network } = delivery;
  if (!network) return;
  const { given } = config.sim;
  if (given.rules) await network.replaceRules(store, [null], startupRules(network, config));
  if (given.chaos) await network.setChaos(store, config.sim.chaos);
  await store.sim.setNetwork({
    ...(given.deliveryDelayMs && { deliveryDelayMs: config.sim.deliveryDelayMs }),
    ...(given.seed && { seed: config.sim.seed }),
  });
}

/** Every `CARRIERS` entry is an SMPP client carrier. */
const defaultCarrierFactory: CarrierFactory = (c, deps) => createSmppCarrier(c, deps);
