import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';

/** What the pipeline hands a carrier. */
export interface Submission {
  message: Message;
  /** The body as it goes on the air (after SmartEncoded replacement). */
  body: string;
  /** Media URLs to deliver (MMS). */
  mediaUrls: string[];
  numSegments: number;
}

/** A carrier's answer to a submission. */
export type SubmitResult =
  | {
      ok: true;
      ref: string;
      /**
       * The network's delivery report when the carrier already has it (the simulator with no
       * delay): applied in the transaction that marks the message `sent` (in the same update on
       * the batch path, right after it per job), with the same callbacks as a report that comes
       * back later through `CarrierEvents`.
       */
      report?: ImmediateReport;
    }
  | { ok: false; errorCode: number; errorMessage: string };

/** A delivery report (DLR) from the network. */
export interface DeliveryReport {
  messageSid: string;
  status: 'delivered' | 'undelivered' | 'failed';
  errorCode?: number;
  errorMessage?: string;
  /** When the handset confirmed (or the network gave up). */
  doneAt: number;
}

/** A delivery report handed back with the submit result: the message is the one submitted. */
export type ImmediateReport = Omit<DeliveryReport, 'messageSid'>;

/** A message a carrier received from a handset, for the ingest path. */
export interface CarrierInbound {
  from: string;
  to: string;
  body: string;
  mediaUrls: string[];
}

/** How a carrier hands the network's side back to Loft. */
export interface CarrierEvents {
  /** A delivery report for a message this carrier accepted (by SID or carrier reference). */
  deliveryReport(report: DeliveryReport): Promise<void>;
  /** A message from a handset: enters through the one ingest path. */
  inbound(message: CarrierInbound): Promise<Message>;
}

/**
 * A route to handsets. `submit` runs inside the transaction that marks the message `sent`, so a
 * carrier that records its side in the same store (the simulator) is exactly-once by
 * construction; a network carrier (SMPP) must instead make its submit idempotent by message
 * SID. Delivery reports and inbound messages come back through the `CarrierEvents` given to
 * `attach`.
 */
export interface Carrier {
  readonly name: string;
  submit(tx: Store, submission: Submission, now: number): Promise<SubmitResult>;
  /**
   * Submits many messages inside the caller's transaction (batch dispatch); results in the given
   * order. Optional: without it the pipeline calls `submit` for each.
   */
  submitMany?(tx: Store, submissions: readonly Submission[], now: number): Promise<SubmitResult[]>;
  /** Connects the carrier's reports and inbound traffic to Loft (called once at start-up). */
  attach?(events: CarrierEvents): void;
}
