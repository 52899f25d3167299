import type { Message, MessageStatus, OutboxJob } from '../records.js';
import type { OutboxEntry } from './outbox.repository.js';

/** Position in a keyset-paged listing. Ordered lists page by (`sortKey`, `seq`). */
export interface Cursor {
  seq: number;
  /** Only for orderings by a timestamp (`date_sent`). */
  at?: number;
}

/** One page request: either keyset (cursor) or, for legacy `Page=N` without a token, an offset. */
export interface PageRequest {
  limit: number;
  cursor?: Cursor;
  /** `after` = older than the cursor (next page); `before` = newer (previous page). */
  direction: 'after' | 'before';
  offset?: number;
}

/** Filters of `GET …/Messages.json`. Time bounds are inclusive epoch ms. */
export interface MessageFilter {
  accountSid: string;
  to?: string;
  from?: string;
  sentFrom?: number;
  sentTo?: number;
  /** Every pair must be present in the message's tags. */
  tags: ReadonlyArray<readonly [string, string]>;
}

/** Outcome of a conditional delete. */
export type DeleteOutcome = 'deleted' | 'not_found' | 'in_progress';

/** A message as {@link MessageRepository.insertMany} stored it. */
export interface StoredMessage {
  /** The message with its `seq`. */
  message: Message;
  /** Its outbox job, when the job was stored leased (`OutboxEntry.lease`): to hand over. */
  job?: OutboxJob;
}

/** Messages. The single write path every message enters through is `insert`. */
export interface MessageRepository {
  /** Stores the message, its tags, and (optionally) its outbox job atomically. */
  insert(message: Message, outbox?: OutboxEntry): Promise<Message>;
  /**
   * Stores many messages (each with its tags, first history entry and optional outbox job) in
   * one transaction with multi-row statements: group commit and the bulk loader use it.
   * Returns them in the given order with their `seq` (and each leased job, to hand over).
   */
  insertMany(
    items: ReadonlyArray<{ message: Message; outbox?: OutboxEntry }>,
  ): Promise<StoredMessage[]>;
  get(accountSid: string, sid: string): Promise<Message | undefined>;
  /** By SID alone, for background jobs (which carry no account). */
  findBySid(sid: string): Promise<Message | undefined>;
  /** Many messages by SID alone in one query (batch jobs); unknown SIDs are left out, any order. */
  findManyBySid(sids: readonly string[]): Promise<Message[]>;
  /**
   * How many messages of `direction` went from `from` to `to` since `since` (loop guard). Walks
   * the messages to `to` newest first and stops at a page of them all older than a second before
   * `since`: it relies on messages being stored roughly in the order they were created (as Loft
   * stores them; a few back-dated ones in between are still walked past).
   */
  countRecent(args: {
    accountSid: string;
    from: string;
    to: string;
    direction: Message['direction'];
    since: number;
  }): Promise<number>;
  /** A page in Twilio order: newest first by `seq`, or by (`date_sent`, `seq`) with a DateSent filter. */
  list(filter: MessageFilter, page: PageRequest): Promise<Message[]>;
  /**
   * Replaces the body with `''` in the message and in every copy of it: the handset inbox, the
   * webhook queue and attempt log (`Body` parameters, GET query strings, response excerpts
   * quoting it), and for a TwiML reply the excerpt of the answer it came from. `in_progress`
   * (nothing changed) while the message has not been handed to the carrier yet.
   */
  redact(
    accountSid: string,
    sid: string,
    now: number,
  ): Promise<Message | 'not_found' | 'in_progress'>;
  /** Moves a `scheduled` message to `canceled`; `conflict` when it is in any other state. */
  cancel(accountSid: string, sid: string, now: number): Promise<Message | 'not_found' | 'conflict'>;
  /**
   * Deletes up to `limit` finished messages of an account (oldest first) that are beyond the
   * newest `keep` or created before `before`, with everything hanging off them (tags, media,
   * feedback, history, handset copies, settled webhooks). One short transaction per call.
   */
  prune(args: {
    accountSid: string;
    before?: number;
    keep?: number;
    limit: number;
  }): Promise<number>;
  /**
   * Deletes a finished message with everything hanging off it (tags, media, feedback, history,
   * handset copies, webhooks and their attempts, jobs); refuses while it is in flight or `sent`
   * without a final delivery report.
   */
  delete(accountSid: string, sid: string): Promise<DeleteOutcome>;
  /**
   * Deletes up to `limit` finished messages of an account (oldest first), each as `delete` does
   * (everything hanging off it and every copy); unfinished ones (`UNFINISHED_STATUSES`) stay.
   * One transaction per call; returns how many went (fewer than `limit`: none are left).
   */
  deleteFinished(accountSid: string, limit: number): Promise<number>;
  /** The statuses a message went through, oldest first (its creation status included). */
  history(sid: string): Promise<{ status: MessageStatus; errorCode: number | null; at: number }[]>;
  /** Applies a status transition (used by the delivery pipeline and tests); logs it in the history. */
  transition(
    sid: string,
    patch: Partial<
      Pick<
        Message,
        | 'status'
        | 'dateSent'
        | 'errorCode'
        | 'errorMessage'
        | 'price'
        | 'priceUnit'
        | 'from'
        | 'numSegments'
        | 'carrierRef'
      >
    >,
    now: number,
    /** Only apply when the message is currently in one of these statuses. */
    expect?: readonly MessageStatus[],
  ): Promise<Message | undefined>;
  /**
   * Many transitions in a few multi-row statements (batch jobs). Each item's patch may set other
   * fields and values; it applies only while its message is in one of `expect` (like
   * `transition`), and each applied item with a status gets its history entry (after those of
   * its `via` statuses), in item order. Returns the updated messages (any order); a SID given
   * twice applies once.
   */
  transitionMany(
    items: ReadonlyArray<TransitionItem>,
    now: number,
    expect: readonly MessageStatus[],
  ): Promise<Message[]>;
  /**
   * `transitionMany` without reading the rows back: the SIDs that moved. Much cheaper when the
   * caller already holds the messages (reading whole rows back dominates a batch's cost).
   */
  transitionManySids(
    items: ReadonlyArray<TransitionItem>,
    now: number,
    expect: readonly MessageStatus[],
  ): Promise<Set<string>>;
}

/** What `transition` / `transitionMany` may change on a message. */
export type MessageTransitionPatch = Parameters<MessageRepository['transition']>[1];

/** One message's move in {@link MessageRepository.transitionMany}. */
export interface TransitionItem {
  sid: string;
  patch: MessageTransitionPatch;
  /**
   * Statuses the message passes through on the way to the patch's, in one update: each gets its
   * history entry (no error, at the same time) before the patch's own.
   */
  via?: readonly MessageStatus[];
}
