import type { Message } from '../store/records.js';
import type { DeliveryReport, ImmediateReport } from './carrier.js';
import type { Store } from '../store/store.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import { dlrDoneDate } from '../webhooks/status-callback.js';

/** Extra facts a status callback may carry. */
export interface CallbackExtras {
  /** The carrier's DLR done-date (delivered/undelivered). */
  rawDlrDoneDate?: string;
}

/** Enqueues the status callback for a message's new status (no-op when it has no target). */
export type StatusCallbacks = ((
  tx: Store,
  message: Message,
  now: number,
  extras?: CallbackExtras,
) => Promise<void>) & {
  /** The same for many messages at once, with multi-row statements (batch jobs). */
  many?: (
    tx: Store,
    items: ReadonlyArray<{ message: Message; extras?: CallbackExtras }>,
    now: number,
  ) => Promise<void>;
};

/** Enqueues the status callbacks of many messages: in one go when the callbacks can, else in turn. */
export async function callbacksMany(
  tx: Store,
  callbacks: StatusCallbacks,
  items: ReadonlyArray<{ message: Message; extras?: CallbackExtras }>,
  now: number,
): Promise<void> {
  if (items.length === 0) return;
  if (callbacks.many) return callbacks.many(tx, items, now);
  for (const i of items) await callbacks(tx, i.message, now, i.extras);
}

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

/** One message's move in {@link advanceMany}. */
export interface AdvanceItem {
  sid: string;
  patch: MessagePatch;
  extras?: CallbackExtras;
  /** The message as the caller read it (then it is not read back). */
  message?: Message;
  /**
   * A second move right after the first (`sent`, then the carrier's immediate report), in the
   * same update, with both history entries and both callbacks. Needs `message`.
   */
  then?: { patch: MessagePatch; extras?: CallbackExtras };
}

/**
 * {@link advance} for many messages at once: each patch applies only while its message is still
 * in one of `expect`, and the applied ones get their status callbacks, all in the caller's
 * transaction. Items that carry the `message` as the caller read it are not read back: the
 * advanced message is that one with the patch applied (what the conditional update wrote).
 * An item's `then` move goes into the same update; every first move's callback is queued
 * before any second's. Returns the advanced messages by SID, as the last move of each left them.
 */
export async function advanceMany(
  tx: Store,
  callbacks: StatusCallbacks,
  items: readonly AdvanceItem[],
  now: number,
  expect: readonly Message['status'][],
): Promise<Map<string, Message>> {
  if (!items.every((i) => i.message !== undefined)) {
    if (items.some((i) => i.then)) throw new Error('advanceMany: a second move needs `message`');
    const list = await tx.messages.transitionMany(items, now, expect);
    const updated = new Map(list.map((m) => [m.sid, m]));
    const applied = items.flatMap((i) => {
      const message = updated.get(i.sid);
      return message ? [{ message, ...(i.extras && { extras: i.extras }) }] : [];
    });
    await callbacksMany(tx, callbacks, applied, now);
    return updated;
  }
  // Two moves in one update: the patches merged, the first status recorded on the way. Both
  // must name a status, or the history and the callbacks would not match what was written.
  if (items.some((i) => i.then && !(i.patch.status && i.then.patch.status))) {
    throw new Error('advanceMany: both moves of an item need a status');
  }
  const moved = await tx.messages.transitionManySids(
    items.map(({ sid, patch, then }) =>
      then && patch.status
        ? { sid, patch: { ...patch, ...defined(then.patch) }, via: [patch.status] }
        : { sid, patch },
    ),
    now,
    expect,
  );
  const updated = new Map<string, Message>();
  const first: { message: Message; extras?: CallbackExtras }[] = [];
  const second: typeof first = [];
  for (const { sid, patch, message, extras, then } of items) {
    if (!message || !moved.has(sid) || updated.has(sid)) continue;
    const mid = withPatch(message, patch, now);
    first.push({ message: mid, ...(extras && { extras }) });
    if (!then) {
      updated.set(sid, mid);
      continue;
    }
    const last = withPatch(mid, then.patch, now);
    second.push({ message: last, ...(then.extras && { extras: then.extras }) });
    updated.set(sid, last);
  }
  // Every first move's callback before any second: each message's in order.
  await callbacksMany(tx, callbacks, [...first, ...second], now);
  return updated;
}

/** The fields of a patch that are set. */
function defined(patch: MessagePatch): MessagePatch {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
}

/** A message as a transition leaves it: the patch's fields set, `dateUpdated` now. */
function withPatch(m: Message, patch: MessagePatch, now: number): Message {
  const next: Message = { ...m, dateUpdated: now };
  for (const [k, v] of Object.entries(patch)) {
    if (v !== undefined) (next as unknown as Record<string, unknown>)[k] = v;
  }
  return next;
}

/** The change a delivery report makes to a `sent` message (30008 when it names no error). */
export function reportPatch(report: Omit<ImmediateReport, 'doneAt'>): MessagePatch {
  return report.status === 'delivered'
    ? { status: 'delivered' }
    : {
        status: report.status,
        errorCode: report.errorCode ?? 30008,
        errorMessage: report.errorMessage ?? 'Unknown error',
      };
}

/** What a delivery report's status callback carries beyond the message. */
export const reportExtras = (report: { doneAt: number }): CallbackExtras => ({
  rawDlrDoneDate: dlrDoneDate(report.doneAt),
});

/**
 * Applies a delivery report: `sent` → `delivered` / `undelivered` / `failed` with its error, and
 * the status callback carrying RawDlrDoneDate. A report for a message in any other status
 * (deleted, already reported) is dropped. Returns whether it applied.
 */
export async function applyDeliveryReport(
  store: Store,
  callbacks: StatusCallbacks,
  report: DeliveryReport,
  now: number,
): Promise<boolean> {
  const m = await store.messages.findBySid(report.messageSid);
  if (!m || m.status !== 'sent') return false;
  const applied = await store.transaction((tx) =>
    advance(tx, callbacks, m, reportPatch(report), now, reportExtras(report)),
  );
  store.signals?.publish(EVENTS_CHANNEL);
  return applied !== undefined;
}
