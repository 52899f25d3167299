import { setTimeout as sleep } from 'node:timers/promises';
import { ApiError, type LoftClient, type MessageJson } from './client.js';

/** One status a message reached, as `loft tail` prints it. */
export interface TailEvent {
  sid: string;
  status: string;
  errorCode: number | null;
  /** When the message reached the status (ISO 8601). */
  date: string;
  direction: string;
  from: string | null;
  to: string;
}

/** What `loft tail` follows: any source of status changes (polling now; a live stream later). */
export interface TailSource {
  /**
   * Calls `onEvent` for every status a message reaches from now on, each message's in order,
   * until `signal` aborts (then resolves). `onReady` runs once it is watching. Transient errors
   * go to `onError` and the source carries on.
   */
  follow(
    handlers: {
      onEvent(e: TailEvent): void;
      onReady?(): void;
      onError?(e: unknown): void;
    },
    signal: AbortSignal,
  ): Promise<void>;
}

/** Settings of {@link pollingSource}. */
export interface PollingOptions {
  /** Only messages to this address (the list's `To` filter). */
  to?: string;
  /** Time between polls. */
  intervalMs: number;
  /** Newest messages looked at per poll. */
  window: number;
}

/** What was known of a message at the last poll. */
interface Seen {
  /** `status|date_updated`: a change of either is worth a look at its history. */
  key: string;
  /** History entries already reported; -1: known from before the tail started. */
  reported: number;
  /** Its status when the tail started (for those known from before). */
  baseline?: string;
}

const keyOf = (m: MessageJson) => `${m.status}|${m.date_updated}`;

/**
 * Status changes by polling: every `intervalMs`, the newest `window` messages
 * (`GET …/Messages.json`); for each new or changed one, its history (`GET /loft/v1/…/Events`),
 * whose entries not reported yet are. Messages present at the start are reported only from
 * their next change on. A message outside the window (older than the newest `window`) is not
 * followed: a live stream of events would have no such limit.
 */
export function pollingSource(client: LoftClient, o: PollingOptions): TailSource {
  return {
    async follow({ onEvent, onReady, onError }, signal) {
      const seen = new Map<string, Seen>();
      let first = true;
      while (!signal.aborted) {
        try {
          const page = await client.page({ ...(o.to && { to: o.to }), pageSize: o.window });
          // Oldest first, so messages created together are reported in their order.
          for (const m of [...page.messages].reverse()) {
            const was = seen.get(m.sid);
            if (first) {
              seen.set(m.sid, { key: keyOf(m), reported: -1, baseline: m.status });
              continue;
            }
            if (was?.key === keyOf(m)) continue;
            const reported = await report(m, was);
            seen.set(m.sid, { key: keyOf(m), reported });
          }
          if (first) {
            first = false;
            onReady?.();
          }
        } catch (e) {
          if (signal.aborted) break;
          onError?.(e);
        }
        await sleep(o.intervalMs, undefined, { signal }).catch(() => undefined);
      }

      /** Reports `m`'s history entries not reported yet; returns how many are reported now. */
      async function report(m: MessageJson, was: Seen | undefined): Promise<number> {
        let events;
        try {
          events = await client.events(m.sid);
        } catch (e) {
          // Deleted meanwhile: nothing to report.
          if (e instanceof ApiError && e.status === 404) return was?.reported ?? 0;
          throw e;
        }
        let from = was?.reported ?? 0;
        if (from === -1) {
          // Known from before the start: what follows its status then.
          const at = events.map((e) => e.status).lastIndexOf(was?.baseline ?? '');
          from = at + 1;
        }
        for (const e of events.slice(from)) {
          onEvent({
            sid: m.sid,
            status: e.status,
            errorCode: e.error_code,
            date: e.date,
            direction: m.direction,
            from: m.from,
            to: m.to,
          });
        }
        return Math.max(from, events.length);
      }
    },
  };
}
