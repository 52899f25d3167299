import type { Clock } from '../clock.js';
import type { Store, Webhook } from '../store/store.js';
import type { WebhookBatch } from './webhooks.handler.js';

/** Settings of the webhook queue's claim loops. */
export interface WebhookQueueOptions {
  store: Store;
  clock: Clock;
  /** Sends and settles a claimed batch (`webhookHandler`). */
  send: WebhookBatch;
  /** Unique worker name (lease owner). */
  owner: string;
  /** Most webhooks claimed at once. */
  batchSize?: number;
  /** Batches claimed and in flight at once: network-bound, so several. */
  lanes?: number;
  /** A claimed webhook is someone else's to take after this long, unless renewed. */
  leaseMs?: number;
  /** Idle poll interval (retries coming due; webhooks nobody announced), on `clock`. */
  pollMs?: number;
  /** After a wave consumed answers (TwiML replies queue dispatch jobs): wake their runner. */
  onConsumed?: () => void;
  onError?: (err: unknown) => void;
}

/**
 * Least time between two claims of one lane unless the last came back full: a burst of
 * wake-ups (one per delivery batch) then costs one claim, not one each. On the queue's clock.
 */
const MIN_CLAIM_GAP_MS = 10;

/**
 * Works the webhooks table as its own queue: each lane claims a batch of due webhooks with a
 * lease in one statement, hands it to the handler, and claims again once the handler lets go of
 * it (the handler's slow requests go on in the background, leased and renewed here until they
 * are settled). A webhook whose worker died is claimed again when its lease runs out. Only the
 * head of an order key's chain is ever due, so one message's webhooks go out in order. Every
 * wait of the queue (polls, claim gaps, lease renewals) is on its clock.
 */
export class WebhookQueue {
  private readonly batchSize: number;
  private readonly lanes: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  /** Claimed here and not settled yet (renewed; a lapsed lease claimed back is skipped). */
  private readonly inflight = new Set<number>();
  /** The background part of every batch still running. */
  private readonly rests = new Set<Promise<void>>();
  private stopping = new AbortController();
  private running = false;
  private loops: Promise<void> | null = null;
  /** The lease renewal loop, and what ends it (after the batches in flight, at stop()). */
  private renewer: { done: Promise<void>; end: AbortController } | null = null;
  /** What cuts short each sleeping lane's poll; a notify() wakes one, a full claim the next. */
  private readonly sleepers = new Set<AbortController>();
  /** notify() was called while no lane slept: the next lane to go idle claims once more. */
  private pending = false;

  constructor(private readonly opts: WebhookQueueOptions) {
    this.batchSize = opts.batchSize ?? 128;
    this.lanes = opts.lanes ?? 4;
    this.leaseMs = opts.leaseMs ?? 30_000;
    this.pollMs = opts.pollMs ?? 200;
  }

  /** Starts the claim loops (no-op while they run or are still stopping). */
  start(): void {
    if (this.running || this.loops || this.renewer) return;
    this.running = true;
    if (this.stopping.signal.aborted) this.stopping = new AbortController();
    const lanes = Array.from({ length: this.lanes }, () => this.lane());
    this.loops = Promise.all(lanes).then(() => {
      this.loops = null;
    });
    const end = new AbortController();
    this.renewer = { done: this.renewEvery(Math.max(10, this.leaseMs / 3), end.signal), end };
  }

  /**
   * Stops claiming and waits for the batches in flight; requests not started yet are called off
   * (their webhooks are due again at once, for whoever claims next).
   */
  async stop(): Promise<void> {
    this.running = false;
    this.stopping.abort();
    for (const cut of this.sleepers) cut.abort();
    this.sleepers.clear();
    await this.loops;
    while (this.rests.size > 0) await Promise.all(this.rests);
    // Leases are renewed until the batches are settled.
    const renewer = this.renewer;
    renewer?.end.abort();
    await renewer?.done;
    if (this.renewer === renewer) this.renewer = null;
  }

  /** Webhooks claimed by this process and not settled yet (for the shutdown lines). */
  busy(): number {
    return this.inflight.size;
  }

  /** New due webhooks were committed: one sleeping lane claims. */
  notify(): void {
    const [cut] = this.sleepers;
    if (!cut) {
      this.pending = true;
      return;
    }
    // Out of the set at once: a second notify() in the same tick wakes another lane.
    this.sleepers.delete(cut);
    cut.abort();
  }

  /**
   * Sends every webhook due now, including those that become due on the way (a chain's next),
   * waiting for each batch to be settled; returns how many were claimed. For tests with a
   * manual clock, and for draining.
   */
  async runDue(): Promise<number> {
    let total = 0;
    for (;;) {
      while (this.rests.size > 0) await Promise.all(this.rests);
      const claimed = await this.claim();
      if (claimed.length === 0) return total;
      total += claimed.length;
      await this.run(claimed);
    }
  }

  private async lane(): Promise<void> {
    const { clock } = this.opts;
    let claimedAt = -Infinity;
    while (this.running) {
      // Never longer than the gap itself, should the wall clock step back.
      const gap = Math.min(MIN_CLAIM_GAP_MS, claimedAt + MIN_CLAIM_GAP_MS - clock.now());
      if (gap > 0) await clock.sleep(gap, this.stopping.signal);
      if (!this.running) break;
      this.pending = false;
      claimedAt = clock.now();
      let claimed: Webhook[] = [];
      try {
        claimed = await this.claim();
      } catch (err) {
        this.opts.onError?.(err);
      }
      const full = claimed.length === this.batchSize;
      // More may be waiting: another lane joins in.
      if (full) this.notify();
      if (claimed.length > 0) {
        try {
          await this.run(claimed);
        } catch (err) {
          // Their leases run out and they are claimed again.
          this.opts.onError?.(err);
        }
      }
      if (full) claimedAt = -Infinity;
      // Not once stop() has woken the sleepers: a lane that sleeps after it would hold the stop
      // up for a whole poll interval.
      else if (claimed.length === 0 && !this.pending && this.running) await this.sleep();
    }
  }

  /** Sleeps the poll interval of the clock, or until notify() or stop(). */
  private async sleep(): Promise<void> {
    const cut = new AbortController();
    // Registered before the first await: a notify() or stop() right after finds this lane.
    this.sleepers.add(cut);
    try {
      await this.opts.clock.sleep(this.pollMs, cut.signal);
    } finally {
      this.sleepers.delete(cut);
    }
  }

  private async claim(): Promise<Webhook[]> {
    const claimed = await this.opts.store.webhooks.claim({
      owner: this.opts.owner,
      now: this.opts.clock.now(),
      limit: this.batchSize,
      leaseMs: this.leaseMs,
    });
    // A webhook whose lease we let lapse may come back while its round still runs here.
    return claimed.filter((w) => !this.inflight.has(w.id));
  }

  /** Hands a claimed batch to the handler; keeps its webhooks leased until they are settled. */
  private async run(batch: Webhook[]): Promise<void> {
    for (const w of batch) this.inflight.add(w.id);
    const { rest } = await this.opts.send(batch, {
      owner: this.opts.owner,
      signal: this.stopping.signal,
      wake: () => this.notify(),
      consumed: this.opts.onConsumed,
    });
    const done = rest.catch(this.opts.onError).finally(() => {
      for (const w of batch) this.inflight.delete(w.id);
      this.rests.delete(done);
    });
    this.rests.add(done);
  }

  /** Renews the leases of the webhooks in flight every `ms` of the clock, until `end`. */
  private async renewEvery(ms: number, end: AbortSignal): Promise<void> {
    for (;;) {
      await this.opts.clock.sleep(ms, end);
      if (end.aborted) return;
      await this.renew();
    }
  }

  private async renew(): Promise<void> {
    if (this.inflight.size === 0) return;
    try {
      await this.opts.store.webhooks.renew(
        [...this.inflight],
        this.opts.owner,
        this.opts.clock.now() + this.leaseMs,
      );
    } catch (err) {
      this.opts.onError?.(err);
    }
  }
}
