import type { Clock } from '../../clock.js';
import type { Message } from '../../store/records.js';
import type { CarrierPart, Store } from '../../store/store.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import { advance, reportExtras, reportPatch, type StatusCallbacks } from '../lifecycle.js';
import type { PartReceipt } from '../network.carrier.js';

/**
 * What a message's parts make of it once it is `sent`: `undelivered` (or `failed`) with the
 * first such part's error as soon as any part is; `delivered` when every part is, dated by the
 * last; else nothing yet. Through {@link advance}: the status callbacks are the simulator's.
 * Returns the advanced message, if it moved.
 */
export async function settleParts(
  tx: Store,
  callbacks: StatusCallbacks,
  message: Message,
  parts: readonly CarrierPart[],
  now: number,
): Promise<Message | undefined> {
  if (message.status !== 'sent' || parts.length === 0) return undefined;
  const bad = parts.find((p) => p.status === 'undelivered' || p.status === 'failed');
  if (bad) {
    const report = {
      status: bad.status as 'undelivered' | 'failed',
      ...(bad.errorCode !== null && { errorCode: bad.errorCode }),
      ...(bad.errorMessage !== null && { errorMessage: bad.errorMessage }),
    };
    const doneAt = bad.doneAt ?? now;
    return advance(tx, callbacks, message, reportPatch(report), now, reportExtras({ doneAt }));
  }
  if (!parts.every((p) => p.status === 'delivered')) return undefined;
  const doneAt = Math.max(...parts.map((p) => p.doneAt ?? now));
  return advance(tx, callbacks, message, { status: 'delivered' }, now, reportExtras({ doneAt }));
}

/**
 * `NetworkCarrierEvents.receipt`: a final receipt is written to its part (or kept for the part
 * to come, on the same row: see migration 013) and the message settled, in one transaction;
 * `sent` receipts (ENROUTE, ACCEPTD) change nothing, duplicates neither. Resolves once durable.
 */
export function receiptHandler(deps: {
  store: Store;
  clock: Clock;
  callbacks: StatusCallbacks;
  /** Told of every receipt (metrics). */
  observe?: (receipt: PartReceipt) => void;
}): (receipt: PartReceipt) => Promise<void> {
  const { store, clock, callbacks } = deps;
  /** The message's parts as committed now: settles it if they say so (see below). */
  const recheck = (sid: string) =>
    store.transaction(async (tx) => {
      const m = await tx.messages.findBySid(sid);
      if (m)
        await settleParts(tx, callbacks, m, await tx.carrierParts.forMessage(sid), clock.now());
    });
  return async (r) => {
    deps.observe?.(r);
    if (r.status === 'sent') return;
    const outcome = {
      carrier: r.carrier,
      messageId: r.messageId,
      status: r.status,
      errorCode: r.errorCode ?? null,
      errorMessage: r.errorMessage ?? null,
      doneAt: r.doneAt,
    };
    const pending = await store.transaction(async (tx) => {
      const now = clock.now();
      const part = await tx.carrierParts.receipt(outcome, now);
      if (!part?.messageSid) return undefined;
      const m = await tx.messages.findBySid(part.messageSid);
      if (!m) return undefined;
      const parts = await tx.carrierParts.forMessage(part.messageSid);
      const moved = await settleParts(tx, callbacks, m, parts, now);
      // Two parts' receipts in concurrent transactions may each see the other part still
      // `sent`: the one that did not settle the message looks again once both committed.
      return moved || parts.length === 1 ? undefined : part.messageSid;
    });
    if (pending) await recheck(pending);
    store.signals?.publish(EVENTS_CHANNEL);
  };
}
