import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { ApiKeyRepository } from '../store.js';
import { rows } from './rows.js';

/** API keys on any Kysely dialect. */
export function apiKeyRepository(db: Kysely<Database>): ApiKeyRepository {
  return {
    async insert(k) {
      await db
        .insertInto('api_keys')
        .values({
          sid: k.sid,
          account_sid: k.accountSid,
          friendly_name: k.friendlyName,
          secret_hash: k.secretHash,
          date_created: k.dateCreated,
          date_updated: k.dateUpdated,
        })
        .execute();
    },
    async get(sid) {
      const r = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && rows.apiKey(r);
    },
    async list(accountSid, page) {
      const list = await db
        .selectFrom('api_keys')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .orderBy('date_created')
        .orderBy('sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(rows.apiKey);
    },
    async update(sid, friendlyName, now) {
      const r = await db
        .updateTable('api_keys')
        .set({ friendly_name: friendlyName, date_updated: now })
        .where('sid', '=', sid)
        .returningAll()
        .executeTakeFirst();
      return r && rows.apiKey(r);
    },
    async delete(sid) {
      const r = await db.deleteFrom('api_keys').where('sid', '=', sid).executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
