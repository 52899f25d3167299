import type { Logger } from 'pino';
import type { Clock } from '../../clock.js';
import type { Store } from '../../store/store.js';
import type { StatusCallbacks } from '../lifecycle.js';
import type {
  CarrierStatus,
  NetworkCarrier,
  NetworkResult,
  PartReceipt,
} from '../network.carrier.js';
import type { SmppCarrierConfig } from '../smpp/smpp.types.js';
import { receiptHandler } from './receipts.js';

/** Builds the network carrier of one `CARRIERS` entry (the SMPP carrier; a fake in tests). */
export type CarrierFactory = (
  config: SmppCarrierConfig,
  deps: { clock: Clock; logger?: Logger },
) => NetworkCarrier;

/** What `GET /loft/v1/Carriers` lists: every network carrier's binds, and the simulator. */
export type CarrierListing = CarrierStatus | { name: 'sim'; type: 'simulator' };

/** Counts of network traffic, for `/metrics` (see `src/metrics/carriers.metrics.ts`). */
export interface CarrierObserver {
  submitted(carrier: string, result: NetworkResult): void;
  receipt(receipt: PartReceipt): void;
}

/**
 * Connects the network carriers to Loft — receipts to their parts and messages, handset
 * messages to the one ingest path — and opens their binds. Returns what closes them.
 */
export function startCarriers(opts: {
  carriers: readonly NetworkCarrier[];
  store: Store;
  clock: Clock;
  callbacks: StatusCallbacks;
  ingest: (input: {
    from: string;
    to: string;
    body: string;
    mediaUrls: string[];
  }) => Promise<unknown>;
  /** Wakes the pipeline (status callbacks, TwiML replies were queued). */
  notify: () => void;
  observer?: CarrierObserver;
}): { close(timeoutMs?: number): Promise<void> } {
  const receipt = receiptHandler({
    store: opts.store,
    clock: opts.clock,
    callbacks: opts.callbacks,
    ...(opts.observer && { observe: (r: PartReceipt) => opts.observer?.receipt(r) }),
  });
  for (const c of opts.carriers) {
    c.attach({
      receipt: async (r) => {
        await receipt(r);
        opts.notify();
      },
      inbound: async (m) => {
        await opts.ingest({ from: m.from, to: m.to, body: m.body, mediaUrls: [] });
        opts.notify();
      },
    });
    c.start();
  }
  return {
    close: async (timeoutMs = 5000) => {
      await Promise.all(opts.carriers.map((c) => c.close(timeoutMs)));
    },
  };
}
