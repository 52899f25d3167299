import type { Kysely, Selectable } from 'kysely';
import type { ApplicationTable, Database } from '../schema.js';
import type { Application } from '../records.js';
import type { ApplicationRepository } from '../store.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const toApplication = (r: Selectable<ApplicationTable>): Application => ({
  sid: r.sid,
  accountSid: r.account_sid,
  friendlyName: r.friendly_name,
  config: JSON.parse(r.config) as Application['config'],
  dateCreated: num(r.date_created),
  dateUpdated: num(r.date_updated),
});

const toRow = (a: Application): ApplicationTable => ({
  sid: a.sid,
  account_sid: a.accountSid,
  friendly_name: a.friendlyName,
  config: JSON.stringify(a.config),
  date_created: a.dateCreated,
  date_updated: a.dateUpdated,
});

/** TwiML Applications on any Kysely dialect. */
export function applicationRepository(db: Kysely<Database>): ApplicationRepository {
  return {
    async insert(a) {
      await db.insertInto('applications').values(toRow(a)).execute();
    },
    async get(accountSid, sid) {
      const r = await db
        .selectFrom('applications')
        .selectAll()
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .executeTakeFirst();
      return r && toApplication(r);
    },
    async findBySid(sid) {
      const r = await db
        .selectFrom('applications')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && toApplication(r);
    },
    async list(accountSid, filter, page) {
      let q = db.selectFrom('applications').selectAll().where('account_sid', '=', accountSid);
      if (filter.friendlyName !== undefined) q = q.where('friendly_name', '=', filter.friendlyName);
      const list = await q
        .orderBy('date_created')
        .orderBy('sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(toApplication);
    },
    async update(a) {
      const { sid, account_sid, date_created: _created, ...rest } = toRow(a);
      await db
        .updateTable('applications')
        .set(rest)
        .where('sid', '=', sid)
        .where('account_sid', '=', account_sid)
        .execute();
    },
    async delete(accountSid, sid) {
      const r = await db
        .deleteFrom('applications')
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .executeTakeFirst();
      return Number(r.numDeletedRows) > 0;
    },
  };
}
