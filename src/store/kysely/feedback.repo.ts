import type { Kysely, Selectable } from 'kysely';
import type { Database, MessageFeedbackTable } from '../schema.js';
import type { FeedbackRecord, FeedbackRepository } from '../store.js';

const toFeedback = (r: Selectable<MessageFeedbackTable>): FeedbackRecord => ({
  messageSid: r.message_sid,
  accountSid: r.account_sid,
  outcome: r.outcome,
  dateCreated: Number(r.date_created),
  dateUpdated: Number(r.date_updated),
});

/** Message Feedback on any Kysely dialect. */
export function feedbackRepository(db: Kysely<Database>): FeedbackRepository {
  return {
    async upsert(f) {
      const r = await db
        .insertInto('message_feedback')
        .values({
          message_sid: f.messageSid,
          account_sid: f.accountSid,
          outcome: f.outcome,
          date_created: f.dateCreated,
          date_updated: f.dateUpdated,
        })
        .onConflict((oc) =>
          oc.column('message_sid').doUpdateSet({ outcome: f.outcome, date_updated: f.dateUpdated }),
        )
        .returningAll()
        .executeTakeFirstOrThrow();
      return toFeedback(r);
    },

    async get(messageSid) {
      const r = await db
        .selectFrom('message_feedback')
        .selectAll()
        .where('message_sid', '=', messageSid)
        .executeTakeFirst();
      return r && toFeedback(r);
    },
  };
}
