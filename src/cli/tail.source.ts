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

/** What `loft tail` follows: any source of status changes (the live stream; tests may swap it). */
export interface TailSource {
  /**
   * Calls `onEvent` for every status a message reaches from now on, each message's in order,
   * until `signal` aborts (then resolves). `onReady` runs once it is watching. Transient errors
   * go to `onError` and the source carries on.
   */
  follow(
    handlers: {
      onEvent: (e: TailEvent) => void;
      onReady?: () => void;
      onError?: (e: unknown) => void;
      /** New messages that came too many at once to be named (the stream only counted them). */
      onSkipped?: (count: number) => void;
    },
    signal: AbortSignal,
  ): Promise<void>;
}

/** Settings of {@link streamSource}. */
export interface StreamOptions {
  /** Only messages to this address (the stream's `To` filter). */
  to?: string;
  /** Wait before reconnecting a stream that broke (the server's `retry:` is 1 s). */
  reconnectMs: number;
  /** Newest messages whose status at the start is known (reported from their next change). */
  window: number;
}

/** A stream event's messages (`messages`: new ones; `changed`: followed ones that changed). */
interface StreamUpdate {
  messages: MessageJson[];
  new_count: number;
  changed: MessageJson[];
}

/**
 * Status changes through the live stream the console follows (`GET /loft/v1/…/Messages/Stream`):
 * it names the messages that are new or changed, and each one's history (`…/Events`) gives the
 * statuses it reached since the last report, one event each, so none is skipped however fast
 * they came. Messages present at the start (the newest `window`) are reported from their next
 * change on. A stream that ends or breaks is opened again where it left off (`Last-Event-ID`).
 */
export function streamSource(client: LoftClient, o: StreamOptions): TailSource {
  return {
    async follow({ onEvent, onReady, onError, onSkipped }, signal) {
      /** History entries reported per message; -1 with a baseline: known from the start. */
      const seen = new Map<string, { reported: number; baseline?: string }>();
      let position: string | undefined;
      let ready = false;
      while (!signal.aborted) {
        try {
          if (!ready) {
            // Before the stream opens: a change after this list is then never missed.
            const page = await client.page({ ...(o.to && { to: o.to }), pageSize: o.window });
            for (const m of page.messages) seen.set(m.sid, { reported: -1, baseline: m.status });
          }
          for await (const e of client.stream({ ...(o.to && { to: o.to }) }, position, signal)) {
            if (e.id !== undefined) position = e.id;
            if (e.event === 'ready' && !ready) {
              ready = true;
              onReady?.();
            }
            if (e.event !== 'messages') continue;
            const update = JSON.parse(e.data) as StreamUpdate;
            // Newest first: reported oldest first, so messages created together keep their order.
            for (const m of [...update.messages].reverse()) await report(m);
            if (update.new_count > update.messages.length) {
              onSkipped?.(update.new_count - update.messages.length);
            }
            for (const m of update.changed) await report(m);
          }
        } catch (e) {
          if (signal.aborted) break;
          onError?.(e);
        }
        await sleep(o.reconnectMs, undefined, { signal }).catch(() => undefined);
      }

      /** Reports the history entries of `m` not reported yet. */
      async function report(m: MessageJson): Promise<void> {
        let events;
        try {
          events = await client.events(m.sid);
        } catch (e) {
          // Deleted meanwhile: nothing to report.
          if (e instanceof ApiError && e.status === 404) return;
          throw e;
        }
        const was = seen.get(m.sid);
        let from = was?.reported ?? 0;
        if (from === -1) {
          // Known from the start: what follows its status then.
          from = events.map((e) => e.status).lastIndexOf(was?.baseline ?? '') + 1;
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
        seen.set(m.sid, { reported: Math.max(from, events.length) });
      }
    },
  };
}
