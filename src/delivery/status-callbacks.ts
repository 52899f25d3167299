import type { Message } from '../store/records.js';
import type { Store } from '../store/store.js';
import { enqueueStatusCallback, statusCallbackRequest } from '../webhooks/status-callback.js';
import { enqueueWebhooks, type WebhookRequest } from '../webhooks/webhooks.enqueue.js';
import type { CallbackExtras, StatusCallbacks } from './lifecycle.js';
import { memoize } from '../jobs/memo.js';

/** Where a message's status callbacks go, if anywhere. */
export async function callbackTarget(
  tx: Store,
  m: Message,
): Promise<{ url: string; method: 'GET' | 'POST' } | null> {
  // The message's own StatusCallback wins over its Messaging Service's and its Application's.
  if (m.statusCallback) {
    // TwiML <Message action method="GET"> is the only way to get a GET status callback.
    const method = m.options['StatusCallbackMethod'] === 'GET' ? 'GET' : 'POST';
    return { url: m.statusCallback, method };
  }
  if (m.messagingServiceSid) {
    const service = await tx.services.findBySid(m.messagingServiceSid);
    if (service?.config.statusCallback)
      return { url: service.config.statusCallback, method: 'POST' };
  }
  const appSid = m.options['ApplicationSid'];
  if (typeof appSid === 'string') {
    const app = await tx.applications.findBySid(appSid);
    if (app?.config.messageStatusCallback) {
      return { url: app.config.messageStatusCallback, method: 'POST' };
    }
  }
  return null;
}

/** Status callbacks through the durable webhook queue, committed with each status change. */
export const statusCallbacks: StatusCallbacks = Object.assign(
  async (tx: Store, message: Message, now: number, extras?: CallbackExtras) => {
    const target = await callbackTarget(tx, message);
    if (!target) return;
    await enqueueStatusCallback(tx, message, target, now, {
      ...(extras?.rawDlrDoneDate !== undefined && { rawDlrDoneDate: extras.rawDlrDoneDate }),
    });
  },
  { many: statusCallbacksMany },
);

/**
 * The status callbacks of many messages with multi-row statements; each message's Messaging
 * Service and Application is read once per call.
 */
async function statusCallbacksMany(
  tx: Store,
  items: ReadonlyArray<{ message: Message; extras?: CallbackExtras }>,
  now: number,
): Promise<void> {
  const cached: Store = {
    ...tx,
    services: { ...tx.services, findBySid: memoize((sid) => tx.services.findBySid(sid)) },
    applications: {
      ...tx.applications,
      findBySid: memoize((sid) => tx.applications.findBySid(sid)),
    },
  };
  const requests: WebhookRequest[] = [];
  for (const { message, extras } of items) {
    const target = await callbackTarget(cached, message);
    if (!target) continue;
    requests.push(
      statusCallbackRequest(message, target, {
        ...(extras?.rawDlrDoneDate !== undefined && { rawDlrDoneDate: extras.rawDlrDoneDate }),
      }),
    );
  }
  await enqueueWebhooks(tx, requests, now);
}
