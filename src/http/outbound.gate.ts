/** Limits of an {@link OutboundGate}. */
export interface GateLimits {
  /** Tasks in flight at once toward one origin (scheme, host and port). */
  perOrigin: number;
  /** Tasks in flight at once for one account. */
  perAccount: number;
  /** Tasks in flight at once in all. */
  total: number;
  /** Tasks waiting for a slot, in all; past this, {@link OutboundGate.run} declines. */
  maxWaiting: number;
}

/** What a task occupies while it runs: the origins it requests, and the account it is for. */
export interface GateKeys {
  /** Origins as {@link originOf} gives them; repeats count once. */
  origins: readonly (string | undefined)[];
  account?: string;
}

/** Thrown into the tasks still waiting when the gate's caller stops (its abort signal fired). */
export class GateAborted extends Error {
  override name = 'GateAborted';
}

/**
 * A job's outcome when its work was called off before it started (a stopping runner aborted
 * its wait for a slot): due again at once, for this or another process. Rethrows anything else.
 */
export function calledOff(err: unknown, now: number): { retryAt: number } {
  if (err instanceof GateAborted) return { retryAt: now };
  throw err;
}

/** The origin of an http(s) URL (`scheme://host[:port]`, without userinfo), else undefined. */
export function originOf(url: string): string | undefined {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.origin : undefined;
  } catch {
    return undefined;
  }
}

interface Waiter {
  /** Arrival order. */
  seq: number;
  start: () => void;
}

/** Waiting tasks that need the same slots, oldest first: when the first cannot start, none can. */
interface Group {
  slots: string[];
  queue: Waiter[];
}

/**
 * Bounded concurrency per destination origin and per account, for outbound work (webhooks,
 * media fetches): a task runs once its origins, its account and the gate as a whole all have a
 * free slot, so a destination that never answers occupies only its own slots and everything
 * else goes on around it. Tasks that must wait do so in memory, first come first served among
 * those that can start (one stuck behind a saturated origin never holds up one that is not);
 * with `maxWaiting` tasks waiting already, `run` declines and the caller tries again later.
 */
export class OutboundGate {
  private readonly busy = new Map<string, number>();
  private running = 0;
  /** Waiting tasks by the slots they need (few groups: one per origin and account in use). */
  private readonly groups = new Map<string, Group>();
  private waitingCount = 0;
  private seq = 0;

  constructor(readonly limits: GateLimits) {}

  /** Tasks running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Tasks waiting for a slot now. */
  get queued(): number {
    return this.waitingCount;
  }

  /**
   * Runs `task` as soon as every slot it needs is free: at once, or after waiting its turn.
   * Undefined (nothing runs) when `maxWaiting` tasks wait already. A task still waiting when
   * `signal` aborts never runs; its promise rejects with {@link GateAborted}.
   */
  run<T>(keys: GateKeys, task: () => Promise<T>, signal?: AbortSignal): Promise<T> | undefined {
    const slots = this.slotsOf(keys);
    const go = async (): Promise<T> => {
      try {
        return await task();
      } finally {
        this.release(slots);
      }
    };
    const id = slots.join('\n');
    if (!this.groups.has(id) && this.fits(slots)) {
      this.take(slots);
      return go();
    }
    if (this.waitingCount >= this.limits.maxWaiting || signal?.aborted) return undefined;
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        seq: this.seq++,
        start: () => {
          signal?.removeEventListener('abort', abort);
          resolve();
        },
      };
      const abort = () => {
        const group = this.groups.get(id);
        const i = group ? group.queue.indexOf(waiter) : -1;
        if (group && i !== -1) {
          group.queue.splice(i, 1);
          this.waitingCount--;
          if (group.queue.length === 0) this.groups.delete(id);
        }
        reject(new GateAborted('stopped before a slot was free'));
      };
      signal?.addEventListener('abort', abort, { once: true });
      let group = this.groups.get(id);
      if (!group) this.groups.set(id, (group = { slots, queue: [] }));
      group.queue.push(waiter);
      this.waitingCount++;
      // Waiting only because others with the same slots wait: it may fit now.
      this.pump();
    }).then(go);
  }

  /** The slot keys of a task: each distinct origin, and the account. */
  private slotsOf(keys: GateKeys): string[] {
    const origins = new Set(keys.origins.filter((o): o is string => o !== undefined));
    const slots = [...origins].map((o) => `o ${o}`);
    if (keys.account !== undefined) slots.push(`a ${keys.account}`);
    return slots;
  }

  private limitOf(slot: string): number {
    return slot.startsWith('o ') ? this.limits.perOrigin : this.limits.perAccount;
  }

  private fits(slots: readonly string[]): boolean {
    return (
      this.running < this.limits.total &&
      slots.every((s) => (this.busy.get(s) ?? 0) < this.limitOf(s))
    );
  }

  private take(slots: readonly string[]): void {
    this.running++;
    for (const s of slots) this.busy.set(s, (this.busy.get(s) ?? 0) + 1);
  }

  private release(slots: readonly string[]): void {
    this.running--;
    for (const s of slots) {
      const n = (this.busy.get(s) ?? 1) - 1;
      if (n === 0) this.busy.delete(s);
      else this.busy.set(s, n);
    }
    this.pump();
  }

  /**
   * Starts waiting tasks while any fits, the oldest of those that fit first. Only each group's
   * oldest task is looked at: the others need the same slots.
   */
  private pump(): void {
    while (this.running < this.limits.total) {
      let next: [string, Group] | undefined;
      for (const entry of this.groups) {
        const head = entry[1].queue[0] as Waiter;
        if ((!next || head.seq < (next[1].queue[0] as Waiter).seq) && this.fits(entry[1].slots)) {
          next = entry;
        }
      }
      if (!next) return;
      const [id, group] = next;
      const w = group.queue.shift() as Waiter;
      this.waitingCount--;
      if (group.queue.length === 0) this.groups.delete(id);
      this.take(group.slots);
      w.start();
    }
  }
}
