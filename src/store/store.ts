import type { Account, ApiKey, Message, PhoneNumber } from './records.js';

/** What differs between store engines, declared by each adapter instead of `if (engine)` checks. */
export interface StoreCapabilities {
  /** Engine name, for logs and `/healthz`. */
  readonly engine: 'sqlite' | 'postgres';
  /** Several processes may share the store (jobs are claimed with leases and SKIP LOCKED). */
  readonly multiProcess: boolean;
}

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

/** Accounts and subaccounts. */
export interface AccountRepository {
  insert(account: Account): Promise<void>;
  get(sid: string): Promise<Account | undefined>;
  /** The account `rootSid` and its subaccounts, oldest first. */
  listFamily(
    rootSid: string,
    filter: { friendlyName?: string; status?: string },
    page: { limit: number; offset: number },
  ): Promise<Account[]>;
  update(
    sid: string,
    patch: Partial<Pick<Account, 'friendlyName' | 'status' | 'authToken'>>,
    now: number,
  ): Promise<Account | undefined>;
}

/** API keys (`SK…`). */
export interface ApiKeyRepository {
  insert(key: ApiKey): Promise<void>;
  get(sid: string): Promise<ApiKey | undefined>;
  list(accountSid: string, page: { limit: number; offset: number }): Promise<ApiKey[]>;
  update(sid: string, friendlyName: string, now: number): Promise<ApiKey | undefined>;
  delete(sid: string): Promise<boolean>;
}

/** IncomingPhoneNumbers: the numbers an account owns. */
export interface PhoneNumberRepository {
  /** Returns false when the number is already owned by some account. */
  insert(number: PhoneNumber): Promise<boolean>;
  get(accountSid: string, sid: string): Promise<PhoneNumber | undefined>;
  findByNumber(phoneNumber: string): Promise<PhoneNumber | undefined>;
  list(
    accountSid: string,
    filter: { phoneNumberLike?: string; friendlyName?: string },
    page: { limit: number; offset: number },
  ): Promise<PhoneNumber[]>;
  update(number: PhoneNumber): Promise<void>;
  delete(accountSid: string, sid: string): Promise<boolean>;
}

/** Work handed to the delivery pipeline in the same transaction as the message. */
export interface OutboxEntry {
  kind: 'dispatch';
  runAt: number;
}

/** A job to enqueue in the durable outbox. */
export interface NewOutboxJob {
  /** What handles it: `dispatch`, `dlr`, `webhook`, … */
  kind: string;
  /** The SID it is about. */
  ref: string;
  payload?: Record<string, unknown>;
  runAt: number;
  createdAt?: number;
}

/** A claimed job. */
export interface OutboxJob {
  id: number;
  kind: string;
  ref: string;
  payload: Record<string, unknown>;
  runAt: number;
  /** Failed attempts so far. */
  attempts: number;
}

/** The durable job queue every background task runs from. */
export interface OutboxRepository {
  enqueue(jobs: NewOutboxJob[]): Promise<void>;
  /** Leases up to `limit` due jobs of the given kinds to `owner` until `now + leaseMs`. */
  claim(args: {
    kinds: string[];
    owner: string;
    now: number;
    limit: number;
    leaseMs: number;
  }): Promise<OutboxJob[]>;
  /** Removes a finished job. */
  complete(id: number): Promise<void>;
  /** Puts a job back for `runAt`, counting one more attempt. */
  retry(id: number, runAt: number, payload?: Record<string, unknown>): Promise<void>;
  /** Drops leases (all, or one owner's): used at start-up by a single-process store. */
  releaseAll(owner?: string): Promise<void>;
  /** Pending jobs of the given kinds. */
  count(kinds: string[]): Promise<number>;
}

/** Messages. The single write path every message enters through is `insert`. */
export interface MessageRepository {
  /** Stores the message, its tags, and (optionally) its outbox job atomically. */
  insert(message: Message, outbox?: OutboxEntry): Promise<Message>;
  get(accountSid: string, sid: string): Promise<Message | undefined>;
  /** A page in Twilio order: newest first by `seq`, or by (`date_sent`, `seq`) with a DateSent filter. */
  list(filter: MessageFilter, page: PageRequest): Promise<Message[]>;
  /** Replaces the body with `''` in storage. */
  redact(accountSid: string, sid: string, now: number): Promise<Message | undefined>;
  /** Moves a `scheduled` message to `canceled`; `conflict` when it is in any other state. */
  cancel(accountSid: string, sid: string, now: number): Promise<Message | 'not_found' | 'conflict'>;
  /** Deletes a finished message; refuses while it is in flight. */
  delete(accountSid: string, sid: string): Promise<DeleteOutcome>;
  /** Applies a status transition (used by the delivery pipeline and tests). */
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
      >
    >,
    now: number,
  ): Promise<Message | undefined>;
}

/** Small key/value settings (e.g. which account is the main one). */
export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** The persistence boundary. Routes and services see only this. */
export interface Store {
  readonly capabilities: StoreCapabilities;
  readonly accounts: AccountRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly phoneNumbers: PhoneNumberRepository;
  readonly messages: MessageRepository;
  readonly settings: SettingsRepository;
  readonly outbox: OutboxRepository;
  /** Runs `fn` atomically; the Store it receives is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Liveness probe for `/healthz`. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
