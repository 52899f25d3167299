import type { IdempotencyKey } from '../records.js';

/** Idempotency keys of message creates (Loft's `Idempotency-Key` extension). */
export interface IdempotencyKeyRepository {
  /** The key's record, unless it is older than `notBefore` (expired). */
  get(accountSid: string, key: string, notBefore: number): Promise<IdempotencyKey | undefined>;
  /**
   * Stores keys that are new or expired (older than `notBefore`, replaced); returns the message
   * SIDs of those stored. A key held by another record is left alone: on engines with
   * concurrent writers the statement waits for a transaction holding it to end, so of two
   * concurrent claims exactly one is stored. Keys must be distinct (account and key).
   */
  claim(keys: readonly IdempotencyKey[], notBefore: number): Promise<Set<string>>;
  /** Deletes up to `limit` records created before `before`; returns how many. */
  expire(before: number, limit: number): Promise<number>;
}
