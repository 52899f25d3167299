import type {
  Account,
  ApiKey,
  Message,
  MessageStatus,
  PhoneNumber,
  TestCredentials,
} from './records.js';
import type { Application, MessagingService, ServicePhoneNumber } from './services.records.js';
import type { StoreUnavailableError } from './unavailable.js';

/** What differs between store engines, declared by each adapter instead of `if (engine)` checks. */
export interface StoreCapabilities {
  /** Engine name, for logs and `/healthz`. */
  readonly engine: 'sqlite' | 'postgres';
  /** Several processes may share the store (jobs are claimed with leases and SKIP LOCKED). */
  readonly multiProcess: boolean;
  /** Write transactions worth running at once: 1 on a single connection, more on a pool. */
  readonly writers: number;
  /**
   * How batches are cut into multi-row statements: at most `max` rows each, and with
   * `powersOfTwo` only in sizes 1, 2, 4… so the SQL texts repeat and stay compiled (an embedded
   * engine with a statement cache); without, in as few statements as possible (a server, where
   * each statement is a round trip).
   */
  readonly statementRows: { readonly max: number; readonly powersOfTwo: boolean };
  /**
   * One statement may insert into several tables (`WITH … INSERT`, PostgreSQL): a batch of new
   * messages then goes to the server in one round trip, atomic without BEGIN and COMMIT.
   */
  readonly multiTableInsert: boolean;
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
  /** Every account SID (for housekeeping such as retention). */
  sids(): Promise<string[]>;
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

/** Test credentials, one pair per account. */
export interface TestCredentialsRepository {
  /** The account's test credentials, once generated. */
  get(accountSid: string): Promise<TestCredentials | undefined>;
  /** The test credentials whose test Account SID is `testSid`. */
  findByTestSid(testSid: string): Promise<TestCredentials | undefined>;
  /** Stores `c` unless its account has test credentials already; returns the ones stored. */
  ensure(c: TestCredentials): Promise<TestCredentials>;
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
  /**
   * Stores the job already leased, to the runner of the process that accepted the message: it
   * takes the job straight from memory after the commit, with no claim query (see
   * `JobRunner.handOff`). The lease in the row keeps every other worker off it, and makes it
   * claimable again if this process dies.
   */
  lease?: OutboxLease;
}

/** A job's lease: who holds it, and until when (epoch ms). */
export interface OutboxLease {
  owner: string;
  until: number;
}

/** A message as {@link MessageRepository.insertMany} stored it. */
export interface StoredMessage {
  /** The message with its `seq`. */
  message: Message;
  /** Its outbox job, when the job was stored leased (`OutboxEntry.lease`): to hand over. */
  job?: OutboxJob;
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
  /** Removes a finished job (only while `owner`, when given, still holds its lease). */
  complete(id: number, owner?: string): Promise<void>;
  /**
   * Removes many finished jobs in one statement (each only while `owner`, when given, still holds
   * its lease); returns how many were removed. Batch handlers call it in their transaction.
   */
  completeMany(ids: readonly number[], owner?: string): Promise<number>;
  /** Puts a job back for `runAt`, counting one more attempt (same lease rule). */
  retry(
    id: number,
    runAt: number,
    payload?: Record<string, unknown>,
    owner?: string,
  ): Promise<void>;
  /** Extends `owner`'s leases on running jobs. */
  renew(ids: number[], owner: string, until: number): Promise<void>;
  /** Drops leases (all, or one owner's): used at start-up by a single-process store. */
  releaseAll(owner?: string): Promise<void>;
  /** Pending jobs of the given kinds. */
  count(kinds: string[]): Promise<number>;
  /**
   * Every kind with jobs in the queue: how many, and the `runAt` of the oldest one due at `now`
   * that no live lease holds (claimable now; `null` when none is). For `/metrics`, at scrape time.
   */
  stats(now: number): Promise<OutboxKindStats[]>;
}

/** One job kind's queue, as {@link OutboxRepository.stats} reports it. */
export interface OutboxKindStats {
  kind: string;
  /** Jobs of this kind in the queue, leased or not, due or not. */
  jobs: number;
  /** `runAt` of the oldest due, unleased job (epoch ms); null when there is none. */
  oldestDueAt: number | null;
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

/** A message as a virtual handset of the simulated network received it. */
export interface SimDelivery {
  messageSid: string;
  /** `to-handset` (received by the handset) or `from-handset` (sent by it). */
  direction: 'to-handset' | 'from-handset';
  accountSid: string;
  handset: string;
  from: string | null;
  body: string;
  mediaUrls: string[];
  numSegments: number;
  carrierRef: string;
  outcome: Record<string, unknown>;
  receivedAt: number;
}

/** The simulated carrier network's handset inboxes. */
export interface SimRepository {
  /** Records a delivery; false when the message was already delivered (idempotent submit). */
  record(delivery: SimDelivery): Promise<boolean>;
  /** Records many deliveries in one statement; returns the SIDs that were new (idempotent). */
  recordMany(deliveries: readonly SimDelivery[]): Promise<Set<string>>;
  get(messageSid: string): Promise<SimDelivery | undefined>;
  /**
   * What a handset received and sent, newest first. With `family`, only the messages of that
   * account and of its subaccounts (what an account may see of a handset's conversation).
   */
  listForHandset(handset: string, limit: number, family?: string): Promise<SimDelivery[]>;
  /** The network's stored configuration: every rule in order, chaos and settings. */
  network(): Promise<SimNetworkRecord>;
  /** Appends a rule, replacing the rule of the same owner and id (which moves to the end). */
  addRule(rule: SimRuleRecord): Promise<void>;
  /** Removes the rules in `scope`, then appends `rules` in order (run it in a transaction). */
  replaceRules(scope: SimRuleScope, rules: readonly SimRuleRecord[]): Promise<void>;
  /** Removes the rules with this id in `scope`; false when there was none. */
  removeRule(scope: SimRuleScope, id: string): Promise<boolean>;
  /** Sets network-wide settings; `null` clears one (the process default applies again). */
  setNetwork(patch: Partial<Omit<SimNetworkRecord, 'rules'>>): Promise<void>;
}

/** A failure-injection rule as stored: its owner and its validated definition (JSON). */
export interface SimRuleRecord {
  /** Unique per owner. */
  id: string;
  /** The account whose messages it applies to; `null` for a network-wide rule. */
  accountSid: string | null;
  /** What the simulator validated (match, outcome or mix, delay); opaque to the store. */
  definition: Record<string, unknown>;
}

/** Which rules a replace or remove touches: every rule, or those of the listed owners. */
export type SimRuleScope = 'all' | readonly (string | null)[];

/** The simulated network's shared configuration, so every process decides alike. */
export interface SimNetworkRecord {
  /** In the order they are checked. */
  rules: SimRuleRecord[];
  /** The network-wide chaos mix (JSON as validated), or none. */
  chaos: Record<string, unknown> | null;
  /** Set at runtime or from start-up configuration; `null` = the process default. */
  deliveryDelayMs: number | null;
  seed: string | null;
}

/** How a webhook is requested. */
export type WebhookMethod = 'GET' | 'POST';

/** Where a webhook is in its life: `pending` until delivered (2xx) or given up on. */
export type WebhookStatus = 'pending' | 'delivered' | 'failed';

/** Form parameters of a webhook; an array is a parameter repeated once per value. */
export type WebhookParams = Record<string, string | string[]>;

/** A webhook to store. */
export interface NewWebhook {
  accountSid: string;
  /** Webhooks with the same key (a message SID) are delivered strictly in creation order. */
  orderKey: string;
  /** `status-callback`, `inbound`, … */
  kind: string;
  url: string;
  method: WebhookMethod;
  params: WebhookParams;
  fallbackUrl: string | null;
  fallbackMethod: WebhookMethod | null;
  createdAt: number;
  /**
   * When its first round is due: given for the head of its order key's chain; absent or null
   * for one that waits behind an earlier pending webhook (made due when that one settles).
   */
  runAt?: number | null;
}

/** A stored webhook. */
export interface Webhook extends NewWebhook {
  id: number;
  status: WebhookStatus;
  /** Attempt rounds made so far (a round: the URL, then the fallback URL when there is one). */
  attempts: number;
  runAt: number | null;
  updatedAt: number;
}

/** One HTTP request made for a webhook, as the attempt log keeps it. */
export interface WebhookAttempt {
  id: number;
  webhookId: number;
  accountSid: string;
  orderKey: string;
  /** The URL requested (for GET, with the parameters in its query). */
  url: string;
  method: WebhookMethod;
  params: WebhookParams;
  /** The HTTP status, or null when no response came (see `error`). */
  responseStatus: number | null;
  /** The first 1 KiB of the response body. */
  responseExcerpt: string | null;
  /** Network error or timeout. */
  error: string | null;
  latencyMs: number;
  attemptedAt: number;
  /** Set on the last request of a failed round when another round is scheduled. */
  nextRetryAt: number | null;
}

/** Outgoing webhooks and their attempt log. */
export interface WebhookRepository {
  /** Stores a `pending` webhook with no attempts; returns it with its id. */
  insert(webhook: NewWebhook): Promise<Webhook>;
  /**
   * Stores many `pending` webhooks with multi-row statements, ids ascending in the given order
   * (so a chain inserted together keeps its order); returns the new ids, ascending.
   */
  insertMany(webhooks: readonly NewWebhook[]): Promise<number[]>;
  get(id: number): Promise<Webhook | undefined>;
  /** Many webhooks by id in one query; unknown ids are left out, any order. */
  getMany(ids: readonly number[]): Promise<Webhook[]>;
  /**
   * The head of each given order key's chain (its oldest pending webhook's id), for the keys
   * that have pending webhooks. With `lock` on multi-process stores the pending rows are locked,
   * so the check serialises with a head settling (whose transaction then sees what was added).
   */
  pendingHeads(
    orderKeys: readonly string[],
    opts?: { lock?: boolean },
  ): Promise<Map<string, number>>;
  /** The head of an order key's chain: its oldest pending webhook. */
  nextPending(orderKey: string): Promise<Webhook | undefined>;
  /**
   * The webhook queue's claim, in one statement: leases up to `limit` webhooks due at `now`
   * to `owner` until `now + leaseMs`, oldest due first. A lease is a due time moved to its end
   * (`runAt` then says when anyone may retake the webhook). Only chain heads are ever due (see
   * `activate`), so a message's webhooks go out in order. Multi-process stores skip rows other
   * workers have locked.
   */
  claim(args: { owner: string; now: number; limit: number; leaseMs: number }): Promise<Webhook[]>;
  /** Extends `owner`'s leases on webhooks whose round is still running. */
  renew(ids: readonly number[], owner: string, until: number): Promise<void>;
  /**
   * Gives `owner`'s webhooks back due at `runAt`, without counting a round (a round not made:
   * no slot free, called off by a stop, or not recorded).
   */
  reschedule(ids: readonly number[], owner: string, runAt: number): Promise<void>;
  /**
   * Drops leases (all, or one owner's), the webhooks due at `now`: used at start-up by a
   * single-process store.
   */
  releaseAll(now: number, owner?: string): Promise<void>;
  /**
   * Makes the next pending webhook of each order key due at `now`, when it is not due already.
   * Called in the transaction that settles the previous heads.
   */
  activate(orderKeys: readonly string[], now: number): Promise<void>;
  /**
   * Ends attempt rounds of pending webhooks, in one statement per distinct (expectedAttempts,
   * status): `attempts` becomes `expectedAttempts + 1`, the status `status`, the lease goes,
   * and the webhook is due again at `retryAt` (null: not due; a settled webhook never is).
   * Returns the ids whose round applied: not those no longer pending with `expectedAttempts`
   * rounds, i.e. settled by another worker first.
   */
  completeRounds(
    rounds: ReadonlyArray<{
      id: number;
      expectedAttempts: number;
      status: WebhookStatus;
      retryAt?: number | null;
    }>,
    now: number,
  ): Promise<Set<number>>;
  /**
   * The queue as `/metrics` shows it: pending webhooks with a due time (leased ones included),
   * and the due time of the oldest one claimable at `now` (null when none is).
   */
  queueStats(now: number): Promise<{ jobs: number; oldestDueAt: number | null }>;
  recordAttempt(attempt: Omit<WebhookAttempt, 'id'>): Promise<WebhookAttempt>;
  /** Appends many attempts to the log with multi-row statements, in the given order. */
  recordAttempts(attempts: ReadonlyArray<Omit<WebhookAttempt, 'id'>>): Promise<void>;
  /** Every attempt for an order key, oldest first. */
  attempts(orderKey: string): Promise<WebhookAttempt[]>;
  /** Every attempt for one webhook, oldest first. */
  attemptsForWebhook(webhookId: number): Promise<WebhookAttempt[]>;
  /** An account's latest attempts, newest first. */
  attemptsForAccount(accountSid: string, limit: number): Promise<WebhookAttempt[]>;
  /** How many webhooks of `kind` an order key has, whatever their status (TwiML redirect depth). */
  countByOrderKey(orderKey: string, kind: string): Promise<number>;
}

/** A stored media file of a message (`ME…`), without its bytes. */
export interface MediaRecord {
  sid: string;
  accountSid: string;
  /** The message it belongs to (`parent_sid` on the wire). */
  messageSid: string;
  /** Index in the message's MediaUrl list; lists are in this order. */
  position: number;
  /** The fetched Content-Type; before the fetch, a guess from the URL (`''`: none). */
  contentType: string;
  /** Bytes stored; 0 until the MediaUrl has been fetched (an empty file is never stored). */
  size: number;
  /** The MediaUrl it was fetched from, when any. */
  sourceUrl: string | null;
  dateCreated: number;
  dateUpdated: number;
}

/** A media file to store: the record plus its bytes. */
export interface NewMedia extends MediaRecord {
  content: Uint8Array;
}

/** Filters of `GET …/Media.json`. Time bounds are inclusive epoch ms. */
export interface MediaFilter {
  accountSid: string;
  messageSid: string;
  createdFrom?: number;
  createdTo?: number;
}

/** Media of messages (MMS), bytes included. */
export interface MediaRepository {
  /** Stores several media files atomically. */
  insertMany(media: NewMedia[]): Promise<void>;
  /** A message's media in MediaUrl order, offset-paged. */
  list(filter: MediaFilter, page: { limit: number; offset: number }): Promise<MediaRecord[]>;
  get(accountSid: string, messageSid: string, sid: string): Promise<MediaRecord | undefined>;
  /** The record and its bytes. */
  getContent(
    accountSid: string,
    messageSid: string,
    sid: string,
  ): Promise<{ media: MediaRecord; content: Buffer } | undefined>;
  /**
   * Stores the fetched bytes (and real Content-Type) of Media created empty with their message.
   * Only rows still empty change, so a second worker's fill is a no-op; returns how many changed.
   */
  fill(
    files: ReadonlyArray<
      Pick<NewMedia, 'sid' | 'contentType' | 'size' | 'content' | 'dateUpdated'>
    >,
  ): Promise<number>;
  /** Removes one media file and takes it off its message's `num_media`, atomically. */
  delete(accountSid: string, messageSid: string, sid: string): Promise<boolean>;
  /** Removes every media file of a message; returns how many. */
  deleteForMessage(messageSid: string): Promise<number>;
}

/** The Feedback subresource of a message. */
export interface FeedbackRecord {
  messageSid: string;
  accountSid: string;
  outcome: 'confirmed' | 'unconfirmed';
  dateCreated: number;
  dateUpdated: number;
}

/** Message Feedback: one per message. */
export interface FeedbackRepository {
  /** Creates or updates the message's feedback; an update keeps the original `dateCreated`. */
  upsert(feedback: FeedbackRecord): Promise<FeedbackRecord>;
  get(messageSid: string): Promise<FeedbackRecord | undefined>;
}

/** Small key/value settings (e.g. which account is the main one). */
export interface SettingsRepository {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
}

/** Outcome of adding a number to a sender pool. */
export type PoolAddOutcome = 'added' | 'already_in_service' | 'in_other_service';

/** Messaging Services (`MG…`), their sender pools and sticky senders. */
export interface MessagingServiceRepository {
  insert(service: MessagingService): Promise<void>;
  /** The account's service, or undefined (unknown, or another account's). */
  get(accountSid: string, sid: string): Promise<MessagingService | undefined>;
  /** By SID alone, for background jobs (which carry no account). */
  findBySid(sid: string): Promise<MessagingService | undefined>;
  /** The account's services, oldest first. */
  list(accountSid: string, page: { limit: number; offset: number }): Promise<MessagingService[]>;
  /** Replaces the name and settings. */
  update(service: MessagingService): Promise<void>;
  /** Deletes the service with its pool links and sticky senders. */
  delete(accountSid: string, sid: string): Promise<boolean>;
  /** Puts an IncomingPhoneNumber in the pool; a number is in at most one pool. */
  addPhoneNumber(link: Omit<ServicePhoneNumber, 'capabilities'>): Promise<PoolAddOutcome>;
  getPhoneNumber(
    serviceSid: string,
    phoneNumberSid: string,
  ): Promise<ServicePhoneNumber | undefined>;
  /** The pool, oldest first; only numbers still owned by the service's account. */
  listPhoneNumbers(
    serviceSid: string,
    page: { limit: number; offset: number },
  ): Promise<ServicePhoneNumber[]>;
  /** The whole pool ordered by phone number (what `pickSender` chooses from). */
  pool(serviceSid: string): Promise<ServicePhoneNumber[]>;
  /** Takes a number out of a pool (and forgets it as anyone's sticky sender there). */
  removePhoneNumber(serviceSid: string, phoneNumberSid: string): Promise<boolean>;
  /** Takes a number out of whatever pool holds it: call when an IncomingPhoneNumber is deleted. */
  unlinkPhoneNumber(phoneNumberSid: string): Promise<void>;
  /** The service whose pool holds the number (for inbound routing), if any. */
  findByPhoneNumber(phoneNumberSid: string): Promise<MessagingService | undefined>;
  getStickySender(serviceSid: string, to: string): Promise<string | undefined>;
  setStickySender(serviceSid: string, to: string, from: string): Promise<void>;
}

/** TwiML Applications (`AP…`). */
export interface ApplicationRepository {
  insert(app: Application): Promise<void>;
  /** The account's application, or undefined (unknown, or another account's). */
  get(accountSid: string, sid: string): Promise<Application | undefined>;
  /** By SID alone, for background jobs. */
  findBySid(sid: string): Promise<Application | undefined>;
  /** Oldest first, optionally only those with exactly this friendly name. */
  list(
    accountSid: string,
    filter: { friendlyName?: string },
    page: { limit: number; offset: number },
  ): Promise<Application[]>;
  update(app: Application): Promise<void>;
  delete(accountSid: string, sid: string): Promise<boolean>;
}

/** A blocked (scope, handset) pair: the handset texted an opt-out keyword. */
export interface OptOutRecord {
  accountSid: string;
  /** The sending number (E.164), or the Messaging Service SID (`MG…`) for a whole service. */
  scopeKey: string;
  /** The handset's address. */
  recipient: string;
  createdAt: number;
}

/** Custom keyword replies of one scope; `null` means Twilio's default text. */
export interface OptOutReplies {
  scopeKey: string;
  accountSid: string;
  stopReply: string | null;
  startReply: string | null;
  helpReply: string | null;
}

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

/** A create's `Idempotency-Key`, scoped to its account, and the message it created. */
export interface IdempotencyKey {
  accountSid: string;
  key: string;
  /**
   * What identifies the request's parameters (a hash); null once the message was redacted or
   * deleted (a hash of a short text would give the text away).
   */
  fingerprint: string | null;
  messageSid: string;
  createdAt: number;
}

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

/** One part of a message sent through a network carrier, with what its receipts said. */
export interface CarrierPart {
  carrier: string;
  /** The SMSC's message_id, normalised by the carrier. */
  messageId: string;
  /** Null for a receipt whose part is not recorded yet. */
  messageSid: string | null;
  /** 0-based part index; null with `messageSid`. */
  part: number | null;
  status: 'sent' | 'delivered' | 'undelivered' | 'failed';
  errorCode: number | null;
  errorMessage: string | null;
  doneAt: number | null;
}

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

/**
 * Wake-ups across processes sharing one database (PostgreSQL LISTEN/NOTIFY). Single-process
 * stores have none: an in-process notify is enough there.
 */
export interface StoreSignals {
  /** Signals `channel` (coalesced; fire and forget). */
  publish(channel: string): void;
  /** Calls `listener` on every signal of `channel`; resolves to an unsubscribe function. */
  subscribe(channel: string, listener: () => void): Promise<() => Promise<void>>;
}

/** The persistence boundary. Routes and services see only this. */
export interface Store {
  readonly capabilities: StoreCapabilities;
  readonly accounts: AccountRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly testCredentials: TestCredentialsRepository;
  readonly phoneNumbers: PhoneNumberRepository;
  readonly messages: MessageRepository;
  readonly settings: SettingsRepository;
  readonly outbox: OutboxRepository;
  readonly sim: SimRepository;
  readonly media: MediaRepository;
  readonly feedback: FeedbackRepository;
  readonly webhooks: WebhookRepository;
  readonly services: MessagingServiceRepository;
  readonly applications: ApplicationRepository;
  readonly optOuts: OptOutRepository;
  readonly idempotencyKeys: IdempotencyKeyRepository;
  readonly carrierParts: CarrierPartRepository;
  /** Cross-process wake-ups, where the engine has them. */
  readonly signals?: StoreSignals;
  /** Runs `fn` atomically; the Store it receives is bound to the transaction. */
  transaction<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /**
   * Runs `hook` once the current transaction has committed (the outermost one, when nested),
   * and never if it rolls back; outside a transaction, at once (every write has committed). For
   * synchronous work that must not act on uncommitted rows: waking a queue, counting metrics.
   * A nested transaction is not a savepoint: a hook registered inside one whose error the outer
   * function catches runs if the outer one commits. A hook that throws is skipped (report its
   * errors yourself): the others still run, and the transaction's result stands.
   */
  afterCommit(hook: () => void): void;
  /** Liveness probe for `/healthz`. */
  ping(): Promise<void>;
  /**
   * Calls `listener` with every StoreUnavailableError the engine raises from now on (one per
   * failed operation: a full disk, a read-only database, a lost connection); returns the
   * unsubscribe function. The store's health (`src/store/health.ts`) listens here.
   */
  onUnavailable(listener: (err: StoreUnavailableError) => void): () => void;
  /** The engine's own figures for `/metrics` (each engine reports those it has; none may). */
  stats(): Promise<StoreStats>;
  close(): Promise<void>;
}

/** Engine figures read at scrape time; absent where the engine has no such thing. */
export interface StoreStats {
  /** A connection pool (PostgreSQL): connections open, idle among them, and callers waiting. */
  pool?: { total: number; idle: number; waiting: number };
  /** Bytes in the write-ahead log file (SQLite's `-wal`); 0 when it does not exist. */
  walBytes?: number;
}
