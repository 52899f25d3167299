import type { FeedbackRecord } from '../records.js';

/** Message Feedback: one per message. */
export interface FeedbackRepository {
  /** Creates or updates the message's feedback; an update keeps the original `dateCreated`. */
  upsert(feedback: FeedbackRecord): Promise<FeedbackRecord>;
  get(messageSid: string): Promise<FeedbackRecord | undefined>;
}
