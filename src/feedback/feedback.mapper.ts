import { rfc2822 } from '../http/dates.js';
import { messagePath } from '../messages/messages.mapper.js';
import type { FeedbackRecord } from '../store/store.js';

/** A MessageFeedback resource as Twilio's JSON: all six properties, relative `uri`. */
export function toFeedbackJson(f: FeedbackRecord): Record<string, unknown> {
  return {
    account_sid: f.accountSid,
    message_sid: f.messageSid,
    outcome: f.outcome,
    date_created: rfc2822(f.dateCreated),
    date_updated: rfc2822(f.dateUpdated),
    uri: `${messagePath(f.accountSid, f.messageSid)}/Feedback.json`,
  };
}
