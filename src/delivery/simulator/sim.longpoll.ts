/** Bounds on handset long-polls (`GET /sim/handsets/{E164}/messages?wait=…`). */
export const LONG_POLL_LIMITS = {
  /** Long-polls waiting at once per key: the calling account. */
  perKey: 16,
  /** Long-polls waiting at once in the whole process. */
  total: 64,
  /** Longest `wait`, in seconds. */
  maxWaitSeconds: 30,
  /** Largest `limit` of a handset listing. */
  maxLimit: 100,
  /** Shortest time between two reads of one waiting long-poll, in ms. */
  requeryMs: 100,
} as const;

/**
 * Counts the long-polls waiting now, per key and in total. Each waiting request re-reads its
 * handset on every message event, so an unbounded number of them stalls every other request;
 * past a bound the route answers 429 at once instead of waiting.
 */
export class LongPollLimiter {
  private readonly byKey = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { perKey: number; total: number } = LONG_POLL_LIMITS) {}

  /** Takes a slot for `key`: the function that gives it back (call it once), or null when full. */
  acquire(key: string): (() => void) | null {
    const held = this.byKey.get(key) ?? 0;
    if (held >= this.limits.perKey || this.total >= this.limits.total) return null;
    this.byKey.set(key, held + 1);
    this.total++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      const left = (this.byKey.get(key) ?? 1) - 1;
      if (left === 0) this.byKey.delete(key);
      else this.byKey.set(key, left);
    };
  }
}
