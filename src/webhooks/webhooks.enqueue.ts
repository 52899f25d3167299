import type { NewWebhook, Store, Webhook } from '../store/store.js';

/**
 * A webhook to send: a {@link NewWebhook} without what enqueueing decides (creation and due
 * time); a fallback URL without a method falls back with POST.
 */
export type WebhookRequest = Pick<
  NewWebhook,
  'accountSid' | 'orderKey' | 'kind' | 'url' | 'method' | 'params'
> &
  Partial<Pick<NewWebhook, 'fallbackUrl' | 'fallbackMethod'>>;

/**
 * Stores a webhook, due `now` when it is the head of its order key's chain (no pending webhook
 * before it); one queued behind others becomes due when the one before it settles (see
 * `WebhookRepository.activate`), so a chain never polls. Call it inside the transaction that
 * makes the event happen, so both commit together.
 */
export async function enqueueWebhook(tx: Store, w: WebhookRequest, now: number): Promise<Webhook> {
  return tx.transaction(async (t) => {
    const heads = await t.webhooks.pendingHeads([w.orderKey], { lock: true });
    return t.webhooks.insert(newWebhook(w, now, heads.has(w.orderKey) ? null : now));
  });
}

/**
 * {@link enqueueWebhook} for many webhooks with multi-row statements: stores them (ids ascending
 * in the given order, so several webhooks of one order key keep their order), the first of each
 * order key with nothing pending before it due `now`. Returns the new ids, ascending. Call it
 * inside the transaction that makes the events happen.
 */
export async function enqueueWebhooks(
  tx: Store,
  requests: readonly WebhookRequest[],
  now: number,
): Promise<number[]> {
  if (requests.length === 0) return [];
  return tx.transaction(async (t) => {
    // Locked on multi-process stores: serialises with a head settling elsewhere, which then
    // either sees our webhooks (and makes the next one due) or is seen as settled here.
    const heads = await t.webhooks.pendingHeads(
      requests.map((w) => w.orderKey),
      { lock: true },
    );
    const headed = new Set(heads.keys());
    const rows = requests.map((w) => {
      const head = !headed.has(w.orderKey);
      headed.add(w.orderKey);
      return newWebhook(w, now, head ? now : null);
    });
    return t.webhooks.insertMany(rows);
  });
}

/** The stored form of a request: a fallback URL without a method falls back with POST. */
function newWebhook(w: WebhookRequest, now: number, runAt: number | null): NewWebhook {
  const fallbackUrl = w.fallbackUrl || null;
  return {
    accountSid: w.accountSid,
    orderKey: w.orderKey,
    kind: w.kind,
    url: w.url,
    method: w.method,
    params: w.params,
    fallbackUrl,
    fallbackMethod: fallbackUrl === null ? null : (w.fallbackMethod ?? 'POST'),
    createdAt: now,
    runAt,
  };
}
