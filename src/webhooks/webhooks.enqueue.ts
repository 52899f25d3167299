import type { NewWebhook, Store, Webhook, WebhookMethod, WebhookParams } from '../store/store.js';

/** The outbox job kind whose handler delivers webhooks (`ref` = the webhook id). */
export const WEBHOOK_JOB_KIND = 'webhook';

/** A webhook to send. */
export interface WebhookRequest {
  accountSid: string;
  /** Webhooks with the same key (a message SID) are delivered strictly in creation order. */
  orderKey: string;
  /** `status-callback`, `inbound`, … */
  kind: string;
  url: string;
  method: WebhookMethod;
  params: WebhookParams;
  /** Tried once, right after the URL fails, in every attempt round. */
  fallbackUrl?: string | null;
  /** Defaults to POST when a fallback URL is given. */
  fallbackMethod?: WebhookMethod | null;
}

/**
 * Stores a webhook and, when it is the head of its order key's chain (no pending webhook before
 * it), enqueues its delivery job due `now`. A webhook queued behind others gets its job when
 * the one before it finishes (see {@link enqueueNextWebhook}), so a chain never polls. Call it
 * inside the transaction that makes the event happen, so both commit together.
 */
export async function enqueueWebhook(tx: Store, w: WebhookRequest, now: number): Promise<Webhook> {
  return tx.transaction(async (t) => {
    const webhook = await t.webhooks.insert(newWebhook(w, now));
    if (!(await t.webhooks.hasPendingBefore(webhook.orderKey, webhook.id))) {
      await t.outbox.enqueue([{ kind: WEBHOOK_JOB_KIND, ref: String(webhook.id), runAt: now }]);
    }
    return webhook;
  });
}

/**
 * Enqueues the delivery job of the next pending webhook of `orderKey`, if any. Called in the
 * transaction that marks the previous head delivered or failed.
 */
export function enqueueNextWebhook(tx: Store, orderKey: string, now: number): Promise<void> {
  return enqueueNextWebhooks(tx, [orderKey], now);
}

/**
 * {@link enqueueWebhook} for many webhooks with multi-row statements: stores them (ids ascending
 * in the given order, so several webhooks of one order key keep their order) and enqueues the
 * delivery job of each one that became the head of its chain. Call it inside the transaction
 * that makes the events happen.
 */
export async function enqueueWebhooks(
  tx: Store,
  requests: readonly WebhookRequest[],
  now: number,
): Promise<void> {
  if (requests.length === 0) return;
  await tx.transaction(async (t) => {
    const ids = new Set(await t.webhooks.insertMany(requests.map((w) => newWebhook(w, now))));
    // Locked on multi-process stores: serialises with a head finishing elsewhere, which then
    // either sees our webhooks (and enqueues the next) or is seen as finished here.
    const heads = await t.webhooks.pendingHeads(
      requests.map((w) => w.orderKey),
      { lock: true },
    );
    const jobs = [...heads.values()]
      .filter((id) => ids.has(id))
      .map((id) => ({ kind: WEBHOOK_JOB_KIND, ref: String(id), runAt: now }));
    await t.outbox.enqueue(jobs);
  });
}

/**
 * {@link enqueueNextWebhook} for many order keys: enqueues the job of each key's next pending
 * webhook. Call it in the transaction that settles the previous heads.
 */
export async function enqueueNextWebhooks(
  tx: Store,
  orderKeys: readonly string[],
  now: number,
): Promise<void> {
  if (orderKeys.length === 0) return;
  const heads = await tx.webhooks.pendingHeads(orderKeys);
  await tx.outbox.enqueue(
    [...heads.values()].map((id) => ({ kind: WEBHOOK_JOB_KIND, ref: String(id), runAt: now })),
  );
}

/** The stored form of a request: a fallback URL without a method falls back with POST. */
function newWebhook(w: WebhookRequest, now: number): NewWebhook {
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
  };
}
