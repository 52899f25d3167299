import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Account, AccountRepository } from '../store.js';
import { rows } from './rows.js';

/** Accounts on any Kysely dialect. */
export function accountRepository(db: Kysely<Database>): AccountRepository {
  return {
    async insert(a) {
      await db
        .insertInto('accounts')
        .values({
          sid: a.sid,
          owner_account_sid: a.ownerAccountSid,
          friendly_name: a.friendlyName,
          auth_token: a.authToken,
          status: a.status,
          type: a.type,
          date_created: a.dateCreated,
          date_updated: a.dateUpdated,
        })
        .execute();
    },
    async get(sid) {
      const r = await db
        .selectFrom('accounts')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && rows.account(r);
    },
    async sids() {
      const list = await db.selectFrom('accounts').select('sid').orderBy('sid').execute();
      return list.map((r) => r.sid);
    },
    async listFamily(rootSid, filter, page) {
      let q = db
        .selectFrom('accounts')
        .selectAll()
        .where((eb) => eb.or([eb('sid', '=', rootSid), eb('owner_account_sid', '=', rootSid)]));
      if (filter.friendlyName !== undefined) q = q.where('friendly_name', '=', filter.friendlyName);
      // The filter is any text from the query: one that is no account status matches no row.
      if (filter.status !== undefined)
        q = q.where('status', '=', filter.status as Account['status']);
      const list = await q
        .orderBy('date_created')
        .orderBy('sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(rows.account);
    },
    async update(sid, patch, now) {
      const r = await db
        .updateTable('accounts')
        .set({
          ...(patch.friendlyName !== undefined && { friendly_name: patch.friendlyName }),
          ...(patch.status !== undefined && { status: patch.status }),
          ...(patch.authToken !== undefined && { auth_token: patch.authToken }),
          date_updated: now,
        })
        .where('sid', '=', sid)
        .returningAll()
        .executeTakeFirst();
      return r && rows.account(r);
    },
  };
}
