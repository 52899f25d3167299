import type { OptOutRecord, OptOutReplies } from '../records.js';

/** Opt-out blocks and the per-number / per-service keyword reply texts. */
export interface OptOutRepository {
  /** Blocks the pair; false when it was already blocked (the original `createdAt` is kept). */
  block(entry: OptOutRecord): Promise<boolean>;
  /** Lifts the block; false when there was none. */
  unblock(scopeKey: string, recipient: string): Promise<boolean>;
  /** Whether the recipient is blocked in any of the scopes. */
  isBlocked(scopeKeys: readonly string[], recipient: string): Promise<boolean>;
  /** The account's blocks, newest first. */
  list(
    accountSid: string,
    filter: { scopeKey?: string; recipient?: string },
    page: { limit: number; offset: number },
  ): Promise<OptOutRecord[]>;
  getReplies(scopeKey: string): Promise<OptOutReplies | undefined>;
  /** Creates or replaces the scope's reply texts. */
  setReplies(replies: OptOutReplies): Promise<void>;
}
