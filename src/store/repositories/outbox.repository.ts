import type { NewOutboxJob, OutboxJob } from '../records.js';

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
