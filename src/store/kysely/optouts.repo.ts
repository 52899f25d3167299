import type { Kysely, Selectable } from 'kysely';
import type { Database, OptOutReplyTable, OptOutTable } from '../schema.js';
import type { OptOutRecord, OptOutReplies, OptOutRepository } from '../store.js';

const toRecord = (r: Selectable<OptOutTable>): OptOutRecord => ({
  accountSid: r.account_sid,
  scopeKey: r.scope_key,
  recipient: r.recipient,
  createdAt: Number(r.created_at),
});

const toReplies = (r: Selectable<OptOutReplyTable>): OptOutReplies => ({
  scopeKey: r.scope_key,
  accountSid: r.account_sid,
  stopReply: r.stop_reply,
  startReply: r.start_reply,
  helpReply: r.help_reply,
});

/** Opt-out blocks and keyword reply texts on any Kysely dialect. */
export function optOutRepository(db: Kysely<Database>): OptOutRepository {
  return {
    async block(e) {
      const r = await db
        .insertInto('opt_outs')
        .values({
          scope_key: e.scopeKey,
          recipient: e.recipient,
          account_sid: e.accountSid,
          created_at: e.createdAt,
        })
        .onConflict((oc) => oc.columns(['scope_key', 'recipient']).doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async unblock(scopeKey, recipient) {
      const r = await db
        .deleteFrom('opt_outs')
        .where('scope_key', '=', scopeKey)
        .where('recipient', '=', recipient)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },

    async isBlocked(scopeKeys, recipient) {
      if (scopeKeys.length === 0) return false;
      const r = await db
        .selectFrom('opt_outs')
        .select('scope_key')
        .where('recipient', '=', recipient)
        .where('scope_key', 'in', [...scopeKeys])
        .limit(1)
        .executeTakeFirst();
      return r !== undefined;
    },

    async list(accountSid, filter, page) {
      let q = db.selectFrom('opt_outs').selectAll().where('account_sid', '=', accountSid);
      if (filter.scopeKey !== undefined) q = q.where('scope_key', '=', filter.scopeKey);
      if (filter.recipient !== undefined) q = q.where('recipient', '=', filter.recipient);
      const list = await q
        .orderBy('created_at', 'desc')
        .orderBy('scope_key')
        .orderBy('recipient')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(toRecord);
    },

    async getReplies(scopeKey) {
      const r = await db
        .selectFrom('opt_out_replies')
        .selectAll()
        .where('scope_key', '=', scopeKey)
        .executeTakeFirst();
      return r && toReplies(r);
    },

    async setReplies(x) {
      const texts = { stop_reply: x.stopReply, start_reply: x.startReply, help_reply: x.helpReply };
      await db
        .insertInto('opt_out_replies')
        .values({ scope_key: x.scopeKey, account_sid: x.accountSid, ...texts })
        .onConflict((oc) =>
          oc.column('scope_key').doUpdateSet({ account_sid: x.accountSid, ...texts }),
        )
        .execute();
    },
  };
}
