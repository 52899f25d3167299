import type { AccountRepository } from './repositories/account.repository.js';
import type { TestCredentialsRepository } from './repositories/test-credentials.repository.js';
import type { ApiKeyRepository } from './repositories/api-key.repository.js';
import type { PhoneNumberRepository } from './repositories/phone-number.repository.js';
import type { MessageRepository } from './repositories/message.repository.js';
import type { OutboxRepository } from './repositories/outbox.repository.js';
import type { SimRepository } from './repositories/sim.repository.js';
import type { WebhookRepository } from './repositories/webhook.repository.js';
import type { MediaRepository } from './repositories/media.repository.js';
import type { FeedbackRepository } from './repositories/feedback.repository.js';
import type { SettingsRepository } from './repositories/settings.repository.js';
import type { MessagingServiceRepository } from './repositories/messaging-service.repository.js';
import type { ApplicationRepository } from './repositories/application.repository.js';
import type { OptOutRepository } from './repositories/opt-out.repository.js';
import type { IdempotencyKeyRepository } from './repositories/idempotency-key.repository.js';
import type { CarrierPartRepository } from './repositories/carrier-part.repository.js';
import type { StoreUnavailableError } from './unavailable.js';

export type * from './records.js';
export type * from './repositories/account.repository.js';
export type * from './repositories/test-credentials.repository.js';
export type * from './repositories/api-key.repository.js';
export type * from './repositories/phone-number.repository.js';
export type * from './repositories/message.repository.js';
export type * from './repositories/outbox.repository.js';
export type * from './repositories/sim.repository.js';
export type * from './repositories/webhook.repository.js';
export type * from './repositories/media.repository.js';
export type * from './repositories/feedback.repository.js';
export type * from './repositories/settings.repository.js';
export type * from './repositories/messaging-service.repository.js';
export type * from './repositories/application.repository.js';
export type * from './repositories/opt-out.repository.js';
export type * from './repositories/idempotency-key.repository.js';
export type * from './repositories/carrier-part.repository.js';

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
