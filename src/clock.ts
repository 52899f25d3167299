/** Source of the current time, and of waiting for it, injected so tests are deterministic. */
export interface Clock {
  /** Milliseconds since the Unix epoch (UTC). */
  now(): number;
  /**
   * Resolves once `ms` milliseconds of this clock have passed, or at once when `signal` aborts
   * (it never rejects: a sleep cut short is over all the same).
   */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The wall clock; its sleeps are timers. */
export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, ms));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** A sleep of a {@link ManualClock}: when it ends, and how to end it. */
interface Sleeper {
  at: number;
  wake: () => void;
}

/**
 * A clock that only moves when told to; for tests. Its sleeps end when {@link advance} or
 * {@link set} moves it past their end (or their signal aborts), never by themselves.
 */
export class ManualClock implements Clock {
  private readonly sleepers = new Set<Sleeper>();
  /** Waiters of {@link whenSleeping}: how many sleeps they wait for. */
  private readonly watchers = new Set<{ count: number; resolve: () => void }>();

  constructor(private current: number = Date.UTC(2024, 0, 1)) {}

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const sleeper: Sleeper = {
        at: this.current + ms,
        wake: () => {
          this.sleepers.delete(sleeper);
          signal?.removeEventListener('abort', sleeper.wake);
          resolve();
        },
      };
      this.sleepers.add(sleeper);
      signal?.addEventListener('abort', sleeper.wake, { once: true });
      for (const w of this.watchers) {
        if (this.sleepers.size >= w.count) {
          this.watchers.delete(w);
          w.resolve();
        }
      }
    });
  }

  /** Sleeps in progress (not yet ended by time or by their signal). */
  get sleeping(): number {
    return this.sleepers.size;
  }

  /**
   * Resolves once at least `count` sleeps are in progress: code under test that sleeps on this
   * clock has got as far as waiting for it.
   */
  whenSleeping(count: number): Promise<void> {
    if (this.sleepers.size >= count) return Promise.resolve();
    return new Promise((resolve) => this.watchers.add({ count, resolve }));
  }

  /** Move the clock forward by `ms` milliseconds, ending the sleeps that ran out. */
  advance(ms: number): void {
    this.set(this.current + ms);
  }

  /** Jump to an absolute time, ending the sleeps that ran out. */
  set(ms: number): void {
    this.current = ms;
    const due = [...this.sleepers].filter((s) => s.at <= ms).sort((a, b) => a.at - b.at);
    for (const s of due) s.wake();
  }
}
