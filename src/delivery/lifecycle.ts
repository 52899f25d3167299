import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import { dlrDoneDate } from '../webhooks/status-callback.js';

/** Extra facts a status callback may carry. */
export interface CallbackExtras {
  /** The carrier's DLR done-date (delivered/undelivered). */
  rawDlrDoneDate?: string;
}

/** Enqueues the status callback for a message's new status (no-op when it has no target). */
export type StatusCallbacks = (
  tx: Store,
  message: Message,
  now: number,
  extras?: CallbackExtras,
) => Promise<void>;

/** The parts of a message a transition may change. */
export type MessagePatch = Parameters<Store['messages']['transition']>[1];

/**
 * Moves a message to a new status atomically with its status callback: the update only applies
 * if the message is still in the status we read (so concurrent workers cannot both advance it),
 * and the callback commits in the same transaction.
 */
export async function advance(
  tx: Store,
  callbacks: StatusCallbacks,
  message: Message,
  patch: MessagePatch,
  now: number,
  extras?: CallbackExtras,
): Promise<Message | undefined> {
  const next = await tx.messages.transition(message.sid, patch, now, [message.status]);
  if (next) await callbacks(tx, next, now, extras);
  return next;
}

/**
 * Applies a delivery report: `sent` → `delivered` / `undelivered` / `failed` with its error, and
 * the status callback carrying RawDlrDoneDate. A report for a message in any other status
 * (deleted, already reported) is dropped. Returns whether it applied.
 */
export async function applyDeliveryReport(
  store: Store,
  callbacks: StatusCallbacks,
  report: {
    messageSid: string;
    status: 'delivered' | 'undelivered' | 'failed';
    errorCode?: number;
    errorMessage?: string;
    doneAt: number;
  },
  now: number,
): Promise<boolean> {
  const m = await store.messages.findBySid(report.messageSid);
  if (!m || m.status !== 'sent') return false;
  const patch: MessagePatch =
    report.status === 'delivered'
      ? { status: 'delivered' }
      : {
          status: report.status,
          errorCode: report.errorCode ?? 30008,
          errorMessage: report.errorMessage ?? 'Unknown error',
        };
  const applied = await store.transaction((tx) =>
    advance(tx, callbacks, m, patch, now, { rawDlrDoneDate: dlrDoneDate(report.doneAt) }),
  );
  store.signals?.publish(EVENTS_CHANNEL);
  return applied !== undefined;
}
