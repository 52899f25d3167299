import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { PhoneNumberRepository } from '../store.js';
import type { PhoneNumber } from '../records.js';
import { rows } from './rows.js';

const toRow = (n: PhoneNumber) => ({
  sid: n.sid,
  account_sid: n.accountSid,
  phone_number: n.phoneNumber,
  friendly_name: n.friendlyName,
  config: JSON.stringify(n.config),
  date_created: n.dateCreated,
  date_updated: n.dateUpdated,
});

/** IncomingPhoneNumbers on any Kysely dialect. A number is owned by at most one account. */
export function phoneNumberRepository(db: Kysely<Database>): PhoneNumberRepository {
  return {
    async insert(n) {
      const r = await db
        .insertInto('incoming_phone_numbers')
        .values(toRow(n))
        .onConflict((oc) => oc.column('phone_number').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    async get(accountSid, sid) {
      const r = await db
        .selectFrom('incoming_phone_numbers')
        .selectAll()
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .executeTakeFirst();
      return r && rows.phoneNumber(r);
    },
    async findByNumber(phoneNumber) {
      const r = await db
        .selectFrom('incoming_phone_numbers')
        .selectAll()
        .where('phone_number', '=', phoneNumber)
        .executeTakeFirst();
      return r && rows.phoneNumber(r);
    },
    async list(accountSid, filter, page) {
      let q = db
        .selectFrom('incoming_phone_numbers')
        .selectAll()
        .where('account_sid', '=', accountSid);
      if (filter.phoneNumberLike !== undefined) {
        q = q.where('phone_number', 'like', filter.phoneNumberLike);
      }
      if (filter.friendlyName !== undefined) q = q.where('friendly_name', '=', filter.friendlyName);
      const list = await q
        .orderBy('date_created')
        .orderBy('sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(rows.phoneNumber);
    },
    async update(n) {
      const { sid, account_sid, ...rest } = toRow(n);
      await db
        .updateTable('incoming_phone_numbers')
        .set(rest)
        .where('sid', '=', sid)
        .where('account_sid', '=', account_sid)
        .execute();
    },
    async delete(accountSid, sid) {
      const r = await db
        .deleteFrom('incoming_phone_numbers')
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
