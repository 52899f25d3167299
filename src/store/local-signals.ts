import type { StoreSignals } from './store.js';

/**
 * In-process signals for a single-process store (SQLite): the same contract as PostgreSQL's
 * LISTEN/NOTIFY, so code that waits for events works on every engine. Publishes coalesce per
 * event-loop turn.
 */
export function localSignals(): StoreSignals {
  const listeners = new Map<string, Set<() => void>>();
  const pending = new Set<string>();
  return {
    publish(channel) {
      if (pending.has(channel)) return;
      pending.add(channel);
      setImmediate(() => {
        pending.delete(channel);
        listeners.get(channel)?.forEach((l) => l());
      });
    },
    subscribe(channel, listener) {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return Promise.resolve(() => {
        set.delete(listener);
        return Promise.resolve();
      });
    },
  };
}

/** Channel announcing that messages changed (new, status, delivered to a handset). */
export const EVENTS_CHANNEL = 'loft_events';
