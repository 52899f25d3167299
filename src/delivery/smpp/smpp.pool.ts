import type { SmppBind } from './smpp.bind.js';
import type { Clock } from '../../clock.js';

/** What {@link BindPool.acquire} got: a bind with a slot taken, or why not. */
export type Acquired = { bind: SmppBind } | { bind?: undefined; reason: string; retryAt?: number };

/**
 * A carrier's transmitting binds as one pool of window slots. `acquire` takes a slot on the
 * least-loaded bound bind, waiting while every bound bind's window is full; it does not wait
 * when no bind is bound (the message stays queued) nor when every bound bind is paused by
 * throttling (retry at the earliest pause end).
 */
export class BindPool {
  /** Waiting senders in arrival order; `head` is the first still waiting (O(1) wake-up). */
  private waiters: Array<(() => void) | undefined> = [];
  private head = 0;

  constructor(
    private readonly binds: readonly SmppBind[],
    private readonly clock: Clock,
  ) {}

  /** A slot freed: wakes the longest waiter (waking all would be quadratic under load). */
  slotFreed(): void {
    while (this.head < this.waiters.length) {
      const wake = this.waiters[this.head];
      this.waiters[this.head++] = undefined;
      if (wake) {
        wake();
        break;
      }
    }
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
  }

  /** Wakes every waiter to look again (a bind's state changed, a throttle pause ended). */
  changed(): void {
    const waiters = this.waiters.slice(this.head);
    this.waiters = [];
    this.head = 0;
    for (const wake of waiters) wake?.();
  }

  /** Takes a slot (see the class doc); `signal` gives up waiting. */
  async acquire(signal?: AbortSignal): Promise<Acquired> {
    for (;;) {
      if (signal?.aborted) return { reason: 'aborted while waiting for a window slot' };
      const now = this.clock.now();
      const bound = this.binds.filter((b) => b.transmits && b.state === 'bound');
      if (bound.length === 0) return { reason: 'no bind is bound' };
      const free = bound.filter((b) => b.available(now));
      if (free.length > 0) {
        const bind = free.reduce((best, b) => (b.inUse < best.inUse ? b : best));
        bind.inUse++;
        return { bind };
      }
      const unpaused = bound.filter((b) => now >= b.pausedUntil);
      if (unpaused.length === 0) {
        return {
          reason: 'throttled by the SMSC',
          retryAt: Math.min(...bound.map((b) => b.pausedUntil)),
        };
      }
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        };
        const onAbort = (): void => {
          const at = this.waiters.indexOf(wake, this.head);
          if (at >= 0) this.waiters[at] = undefined;
          resolve();
        };
        signal?.addEventListener('abort', onAbort, { once: true });
        this.waiters.push(wake);
      });
    }
  }
}
