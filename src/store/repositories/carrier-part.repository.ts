import type { CarrierPart } from '../records.js';

/** What a delivery receipt says of one part. */
export type PartOutcome = Pick<
  CarrierPart,
  'carrier' | 'messageId' | 'status' | 'errorCode' | 'errorMessage' | 'doneAt'
>;

/** Parts of messages sent through network carriers, matched with their receipts. */
export interface CarrierPartRepository {
  /**
   * Records a sent message's parts; returns them as stored: a part whose receipt came first
   * carries that receipt's status. A row of another message with the same id (an SMSC that
   * reuses ids) is replaced.
   */
  record(
    parts: readonly { carrier: string; messageId: string; messageSid: string; part: number }[],
    now: number,
  ): Promise<CarrierPart[]>;
  /**
   * Applies a final receipt (not `sent`) to its part, or keeps it for the part to come. Returns
   * the row when it changed, undefined when the part was final already (a duplicate receipt).
   */
  receipt(outcome: PartOutcome, now: number): Promise<CarrierPart | undefined>;
  /** A message's parts, in part order. */
  forMessage(messageSid: string): Promise<CarrierPart[]>;
  /** Deletes up to `limit` receipts that never met their part, kept since before `before`. */
  expireUnmatched(before: number, limit: number): Promise<number>;
}
