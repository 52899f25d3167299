import type { Kysely, Selectable } from 'kysely';
import type { MessagingService, PhoneNumberConfig, ServicePhoneNumber } from '../records.js';
import type { Database, MessagingServiceTable } from '../schema.js';
import type { MessagingServiceRepository } from '../store.js';
import { inTransaction } from './tx.js';

const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));

const toService = (r: Selectable<MessagingServiceTable>): MessagingService => ({
  sid: r.sid,
  accountSid: r.account_sid,
  friendlyName: r.friendly_name,
  config: JSON.parse(r.config) as MessagingService['config'],
  dateCreated: num(r.date_created),
  dateUpdated: num(r.date_updated),
});

const toServiceRow = (s: MessagingService): MessagingServiceTable => ({
  sid: s.sid,
  account_sid: s.accountSid,
  friendly_name: s.friendlyName,
  config: JSON.stringify(s.config),
  date_created: s.dateCreated,
  date_updated: s.dateUpdated,
});

/** The v1 capability names of an IncomingPhoneNumber, in Twilio's order. */
function capabilitiesOf(config: string): string[] {
  const caps = (JSON.parse(config) as Partial<PhoneNumberConfig>).capabilities;
  const out: string[] = [];
  if (caps?.mms) out.push('MMS');
  if (caps?.sms) out.push('SMS');
  if (caps?.voice) out.push('Voice');
  return out;
}

interface LinkRow {
  service_sid: string;
  phone_number_sid: string;
  account_sid: string;
  phone_number: string;
  date_created: number | string;
  config: string;
}

const toLink = (r: LinkRow): ServicePhoneNumber => ({
  serviceSid: r.service_sid,
  phoneNumberSid: r.phone_number_sid,
  accountSid: r.account_sid,
  phoneNumber: r.phone_number,
  capabilities: capabilitiesOf(r.config),
  dateCreated: num(r.date_created),
});

/**
 * Messaging Services on any Kysely dialect. Pool reads join the IncomingPhoneNumber (still owned
 * by the service's account), so a released number never comes back even before it is unlinked.
 */
export function messagingServiceRepository(db: Kysely<Database>): MessagingServiceRepository {
  const links = (d: Kysely<Database>) =>
    d
      .selectFrom('service_phone_numbers as l')
      .innerJoin('incoming_phone_numbers as n', (j) =>
        j.onRef('n.sid', '=', 'l.phone_number_sid').onRef('n.account_sid', '=', 'l.account_sid'),
      )
      .select([
        'l.service_sid',
        'l.phone_number_sid',
        'l.account_sid',
        'l.phone_number',
        'l.date_created',
        'n.config',
      ]);

  /** Deletes a pool link and the sticky senders pointing at its number. */
  const dropLink = async (trx: Kysely<Database>, serviceSid: string, phoneNumberSid: string) => {
    const r = await trx
      .deleteFrom('service_phone_numbers')
      .where('service_sid', '=', serviceSid)
      .where('phone_number_sid', '=', phoneNumberSid)
      .returning('phone_number')
      .executeTakeFirst();
    if (!r) return false;
    await trx
      .deleteFrom('service_sticky_senders')
      .where('service_sid', '=', serviceSid)
      .where('from_addr', '=', r.phone_number)
      .execute();
    return true;
  };

  return {
    async insert(s) {
      await db.insertInto('messaging_services').values(toServiceRow(s)).execute();
    },

    async get(accountSid, sid) {
      const r = await db
        .selectFrom('messaging_services')
        .selectAll()
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .executeTakeFirst();
      return r && toService(r);
    },

    async findBySid(sid) {
      const r = await db
        .selectFrom('messaging_services')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && toService(r);
    },

    async list(accountSid, page) {
      const list = await db
        .selectFrom('messaging_services')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .orderBy('date_created')
        .orderBy('sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(toService);
    },

    async update(s) {
      const { sid, account_sid, date_created: _created, ...rest } = toServiceRow(s);
      await db
        .updateTable('messaging_services')
        .set(rest)
        .where('sid', '=', sid)
        .where('account_sid', '=', account_sid)
        .execute();
    },

    async delete(accountSid, sid) {
      return inTransaction(db, async (trx) => {
        const r = await trx
          .deleteFrom('messaging_services')
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) return false;
        await trx.deleteFrom('service_phone_numbers').where('service_sid', '=', sid).execute();
        await trx.deleteFrom('service_sticky_senders').where('service_sid', '=', sid).execute();
        return true;
      });
    },

    async addPhoneNumber(link) {
      const r = await db
        .insertInto('service_phone_numbers')
        .values({
          service_sid: link.serviceSid,
          phone_number_sid: link.phoneNumberSid,
          account_sid: link.accountSid,
          phone_number: link.phoneNumber,
          date_created: link.dateCreated,
        })
        .onConflict((oc) => oc.column('phone_number_sid').doNothing())
        .executeTakeFirst();
      if (Number(r.numInsertedOrUpdatedRows ?? 0) > 0) return 'added';
      const existing = await db
        .selectFrom('service_phone_numbers')
        .select('service_sid')
        .where('phone_number_sid', '=', link.phoneNumberSid)
        .executeTakeFirst();
      return existing?.service_sid === link.serviceSid ? 'already_in_service' : 'in_other_service';
    },

    async getPhoneNumber(serviceSid, phoneNumberSid) {
      const r = await links(db)
        .where('l.service_sid', '=', serviceSid)
        .where('l.phone_number_sid', '=', phoneNumberSid)
        .executeTakeFirst();
      return r && toLink(r);
    },

    async listPhoneNumbers(serviceSid, page) {
      const list = await links(db)
        .where('l.service_sid', '=', serviceSid)
        .orderBy('l.date_created')
        .orderBy('l.phone_number_sid')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return list.map(toLink);
    },

    async pool(serviceSid) {
      const list = await links(db)
        .where('l.service_sid', '=', serviceSid)
        .orderBy('l.phone_number')
        .orderBy('l.phone_number_sid')
        .execute();
      return list.map(toLink);
    },

    async removePhoneNumber(serviceSid, phoneNumberSid) {
      return inTransaction(db, (trx) => dropLink(trx, serviceSid, phoneNumberSid));
    },

    async unlinkPhoneNumber(phoneNumberSid) {
      await inTransaction(db, async (trx) => {
        const r = await trx
          .selectFrom('service_phone_numbers')
          .select('service_sid')
          .where('phone_number_sid', '=', phoneNumberSid)
          .executeTakeFirst();
        if (r) await dropLink(trx, r.service_sid, phoneNumberSid);
      });
    },

    async findByPhoneNumber(phoneNumberSid) {
      const r = await db
        .selectFrom('messaging_services as s')
        .innerJoin('service_phone_numbers as l', 'l.service_sid', 's.sid')
        .selectAll('s')
        .where('l.phone_number_sid', '=', phoneNumberSid)
        .executeTakeFirst();
      return r && toService(r);
    },

    async getStickySender(serviceSid, to) {
      const r = await db
        .selectFrom('service_sticky_senders')
        .select('from_addr')
        .where('service_sid', '=', serviceSid)
        .where('to_addr', '=', to)
        .executeTakeFirst();
      return r?.from_addr;
    },

    async setStickySender(serviceSid, to, from) {
      await db
        .insertInto('service_sticky_senders')
        .values({ service_sid: serviceSid, to_addr: to, from_addr: from })
        .onConflict((oc) => oc.columns(['service_sid', 'to_addr']).doUpdateSet({ from_addr: from }))
        .execute();
    },
  };
}
