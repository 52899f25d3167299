import { hostname } from 'node:os';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import { ConfigError } from '../config.js';
import type { Ids } from '../ids.js';
import type { Store } from '../store/store.js';
import { priceTable, type PriceTable } from './pricing.js';
import { Pacer } from './pacing.js';
import { RETENTION_JOB, retentionHandler } from './retention.js';
import { createPipeline, type Pipeline } from './pipeline.js';
import { withJobHandOff } from '../jobs/handoff.store.js';
import { simulatorCarrier } from './simulator/sim.carrier.js';
import type { Carrier } from './carrier.js';
import { SimNetwork } from './simulator/sim.network.js';
import { SimRuleError } from './simulator/sim.rules.js';
import type { StatusCallbacks } from './lifecycle.js';
import { statusCallbacks } from './status-callbacks.js';
import { webhookHandler } from '../webhooks/webhooks.handler.js';
import { WEBHOOK_JOB_KIND } from '../webhooks/webhooks.enqueue.js';
import { prepareMediaUrls } from '../media/media.fetch.js';
import { senderForMessage } from '../services/services.sender.js';
import { twimlResponseHandler } from '../twiml/twiml.execute.js';
import { createReply } from '../messages/messages.reply.js';
import { isBlocked } from '../optout/optout.service.js';
import { createOutbound, type Outbound } from '../http/outbound.js';
import { parseDenyList } from '../http/outbound.deny.js';

/** The delivery side of a server: the simulated network and the pipeline that feeds it. */
export interface Delivery {
  network: SimNetwork;
  /** The carrier messages are submitted to (the simulator). */
  carrier: Carrier;
  pipeline: Pipeline;
  /** The effective price table. */
  prices: PriceTable;
  /** Per-sender pacing, when `PACING=on`. */
  pacer?: Pacer;
  /** The HTTP client of media fetches and webhooks, with OUTBOUND_DENY. */
  outbound: Outbound;
}

/** Builds the simulated network from config and the pipeline over it. */
export function setupDelivery(deps: {
  config: Config;
  store: Store;
  clock: Clock;
  ids: Ids;
  callbacks?: StatusCallbacks;
  onError?: (err: unknown) => void;
}): Delivery {
  const { config, store, clock } = deps;
  // The webhook handler queues a chain's next webhook (and TwiML replies) through the pipeline's
  // router, as the pipeline's own handlers queue status callbacks.
  const built: { pipeline?: Pipeline } = {};
  const webhookStore = withJobHandOff(store, () => built.pipeline?.router, deps.onError);
  const network = new SimNetwork({
    deliveryDelayMs: config.sim.deliveryDelayMs,
    seed: config.sim.seed,
  });
  try {
    network.setRules(config.sim.rules);
    if (config.sim.chaos !== null) network.setChaos(config.sim.chaos);
  } catch (e) {
    if (e instanceof SimRuleError) throw new ConfigError(`SIM_RULES / SIM_CHAOS: ${e.message}`);
    throw e;
  }
  const prices = priceTable(config.prices);
  const outbound = createOutbound({ deny: parseDenyList(config.outboundDeny.join(',')) });
  const pacer = config.pacing ? new Pacer() : undefined;
  const carrier = simulatorCarrier(network);
  const pipeline = createPipeline({
    store,
    clock,
    carrier,
    prices,
    callbacks: deps.callbacks ?? statusCallbacks,
    extraHandlers: {
      [WEBHOOK_JOB_KIND]: webhookHandler({
        store: webhookStore,
        clock,
        timeoutMs: config.webhookTimeoutMs,
        outbound,
        onResponse: twimlResponseHandler({ clock, ids: deps.ids, createReply, isBlocked }),
      }),
    },
    pickSender: senderForMessage,
    housekeeping: {
      [RETENTION_JOB]: retentionHandler({ store, clock, policy: config.retention }),
    },
    pacer,
    prepareMedia: (m) =>
      prepareMediaUrls(
        { store, clock, ids: deps.ids, publicBaseUrl: config.publicBaseUrl, outbound },
        m,
      ),
    owner: `${hostname()}:${process.pid}:${deps.ids.secret().slice(0, 8)}`,
    onError: deps.onError,
    leaseMs: config.jobLeaseMs,
  });
  built.pipeline = pipeline;
  return { network, carrier, pipeline, prices, pacer, outbound };
}
