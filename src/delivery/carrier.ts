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
  { ok: true; ref: string } | { ok: false; errorCode: number; errorMessage: string };

/** A delivery report (DLR) from the network. */
export interface DeliveryReport {
  messageSid: string;
  status: 'delivered' | 'undelivered' | 'failed';
  errorCode?: number;
  errorMessage?: string;
  /** When the handset confirmed (or the network gave up). */
  doneAt: number;
}

/**
 * A route to handsets. `submit` runs inside the transaction that marks the message `sent`, so a
 * carrier that records its side in the same store (the simulator) is exactly-once by
 * construction. Delivery reports and inbound messages come back through the pipeline's
 * `report()` / ingest functions.
 */
export interface Carrier {
  readonly name: string;
  submit(tx: Store, submission: Submission, now: number): Promise<SubmitResult>;
}
