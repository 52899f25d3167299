import type { Submission } from '../../src/delivery/carrier.js';
import type {
  CarrierStatus,
  NetworkCarrier,
  NetworkCarrierEvents,
  NetworkResult,
  PartReceipt,
} from '../../src/delivery/network.carrier.js';

/**
 * A network carrier for tests: records every submission, answers with `next` results (else one
 * id per segment, `<name>-<n>`), and lets the test send receipts and handset messages back.
 */
export class FakeCarrier implements NetworkCarrier {
  readonly kind = 'network';
  readonly sent: { submission: Submission; result: NetworkResult }[] = [];
  /** Results to answer with, in order (then: accepted). */
  readonly next: NetworkResult[] = [];
  up = true;
  started = false;
  closed = false;
  private events?: NetworkCarrierEvents;
  private counter = 0;

  constructor(readonly name: string) {}

  send(submission: Submission): Promise<NetworkResult> {
    const result: NetworkResult = this.next.shift() ?? {
      ok: true,
      parts: Array.from({ length: submission.numSegments }, () => `${this.name}-${++this.counter}`),
    };
    this.sent.push({ submission, result });
    return Promise.resolve(result);
  }
  attach(events: NetworkCarrierEvents): void {
    this.events = events;
  }
  start(): void {
    this.started = true;
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  ready(): boolean {
    return this.up;
  }
  status(): CarrierStatus {
    const state = this.up ? 'bound' : 'reconnecting';
    return {
      name: this.name,
      type: 'smpp',
      binds: [{ id: 'transceiver', state, windowInUse: 0, window: 10, since: 0 }],
    };
  }
  /** Hands a receipt for one part to Loft (as an SMSC's deliver_sm would). */
  receipt(r: Omit<PartReceipt, 'carrier' | 'doneAt'> & { doneAt?: number }): Promise<void> {
    return this.events!.receipt({ carrier: this.name, doneAt: Date.now(), ...r });
  }
  /** Hands a handset's message to Loft. */
  inbound(from: string, to: string, body: string): Promise<void> {
    return this.events!.inbound({ carrier: this.name, from, to, body });
  }
}

/** A factory for `startTestServer({carrierFactory})` handing out fakes by name. */
export function fakeCarriers(): {
  factory: (c: { name: string }) => FakeCarrier;
  get: (name: string) => FakeCarrier;
} {
  const made = new Map<string, FakeCarrier>();
  return {
    factory: (c) => {
      const f = new FakeCarrier(c.name);
      made.set(c.name, f);
      return f;
    },
    get: (name) => made.get(name) as FakeCarrier,
  };
}
