import type { Store, Webhook, WebhookMethod, WebhookParams } from '../store/store.js';

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
  const fallbackUrl = w.fallbackUrl || null;
  return tx.transaction(async (t) => {
    const webhook = await t.webhooks.insert({
      accountSid: w.accountSid,
      orderKey: w.orderKey,
      kind: w.kind,
      url: w.url,
      method: w.method,
      params: w.params,
      fallbackUrl,
      fallbackMethod: fallbackUrl === null ? null : (w.fallbackMethod ?? 'POST'),
      createdAt: now,
    });
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
export async function enqueueNextWebhook(tx: Store, orderKey: string, now: number): Promise<void> {
  const next = await tx.webhooks.nextPending(orderKey);
  if (next) await tx.outbox.enqueue([{ kind: WEBHOOK_JOB_KIND, ref: String(next.id), runAt: now }]);
}
