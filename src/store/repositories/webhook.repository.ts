import type { NewWebhook, Webhook, WebhookAttempt, WebhookStatus } from '../records.js';

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
