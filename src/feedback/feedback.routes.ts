import type { FastifyInstance } from 'fastify';
import type { Clock } from '../clock.js';
import { badRequest, notFound } from '../http/errors.js';
import { single } from '../http/form.js';
import { resource } from '../http/resource.js';
import type { Account } from '../store/records.js';
import type { FeedbackRecord, Store } from '../store/store.js';
import { toFeedbackJson } from './feedback.mapper.js';

const OUTCOMES: readonly FeedbackRecord['outcome'][] = ['confirmed', 'unconfirmed'];

/** What the Feedback subresource needs. */
export interface FeedbackDeps {
  store: Store;
  clock: Clock;
}

/**
 * Records Message Feedback. `Outcome` defaults to `confirmed` (the SDKs let it be omitted and
 * confirming is the operation's purpose). Feedback is accepted whether or not the message was
 * sent with `ProvideFeedback=true`: no Twilio source documents a refusal. With it, the feedback
 * is deemed to have existed (as `unconfirmed`) since the message was created, so its
 * `date_created` is the message's.
 */
export async function createFeedback(
  deps: FeedbackDeps,
  account: Account,
  messageSid: string,
  path: string,
  rawOutcome: string | undefined,
): Promise<FeedbackRecord> {
  const message = await deps.store.messages.get(account.sid, messageSid);
  if (!message) throw notFound(path);
  const outcome = rawOutcome === undefined || rawOutcome === '' ? 'confirmed' : rawOutcome;
  if (!OUTCOMES.includes(outcome as FeedbackRecord['outcome'])) {
    throw badRequest(
      20001,
      `Invalid value '${outcome}' for Outcome: expected one of ${OUTCOMES.join(', ')}`,
    );
  }
  const now = deps.clock.now();
  return deps.store.feedback.upsert({
    messageSid: message.sid,
    accountSid: message.accountSid,
    outcome: outcome as FeedbackRecord['outcome'],
    dateCreated: message.options['ProvideFeedback'] === 'true' ? message.dateCreated : now,
    dateUpdated: now,
  });
}

/** `POST …/Messages/{MessageSid}/Feedback.json` → 200 (the spec's status, not 201). */
export function feedbackRoutes(app: FastifyInstance, deps: FeedbackDeps): void {
  resource(
    app,
    deps.store,
    '/2010-04-01/Accounts/:AccountSid/Messages/:MessageSid/Feedback.json',
    {
      POST: async ({ account, pathParams, path, params }) => {
        const f = await createFeedback(
          deps,
          account,
          pathParams['MessageSid'] ?? '',
          path,
          single(params, 'Outcome'),
        );
        return { status: 200, body: toFeedbackJson(f) };
      },
    },
    { accountParam: 'AccountSid' },
  );
}
