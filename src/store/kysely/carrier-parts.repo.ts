import { sql, type Kysely, type Selectable } from 'kysely';
import type { CarrierPartTable, Database } from '../schema.js';
import type { CarrierPart, CarrierPartRepository } from '../store.js';

const toRecord = (r: Selectable<CarrierPartTable>): CarrierPart => ({
  carrier: r.carrier,
  messageId: r.message_id,
  messageSid: r.message_sid,
  part: r.part === null ? null : Number(r.part),
  status: r.status,
  errorCode: r.error_code === null ? null : Number(r.error_code),
  errorMessage: r.error_message,
  doneAt: r.done_at === null ? null : Number(r.done_at),
});

/** A row keeps its receipt only while it has no message (a receipt ahead of its part). */
const keep = (column: string) =>
  sql<never>`case when carrier_parts.message_sid is null then ${sql.ref(`carrier_parts.${column}`)} else ${sql.ref(`excluded.${column}`)} end`;

/** Parts of network carriers' messages on any Kysely dialect (see migration 013). */
export function carrierPartRepository(db: Kysely<Database>): CarrierPartRepository {
  return {
    async record(parts, now) {
      if (parts.length === 0) return [];
      const rows = await db
        .insertInto('carrier_parts')
        .values(
          parts.map((p) => ({
            carrier: p.carrier,
            message_id: p.messageId,
            message_sid: p.messageSid,
            part: p.part,
            status: 'sent',
            error_code: null,
            error_message: null,
            done_at: null,
            updated_at: now,
          })),
        )
        // A receipt that came first is kept (and returned, for the caller to apply).
        .onConflict((oc) =>
          oc.columns(['carrier', 'message_id']).doUpdateSet({
            message_sid: sql.ref('excluded.message_sid'),
            part: sql.ref('excluded.part'),
            status: keep('status'),
            error_code: keep('error_code'),
            error_message: keep('error_message'),
            done_at: keep('done_at'),
            updated_at: now,
          }),
        )
        .returningAll()
        .execute();
      return rows.map(toRecord).sort((a, b) => (a.part ?? 0) - (b.part ?? 0));
    },

    async receipt(o, now) {
      const row = await db
        .insertInto('carrier_parts')
        .values({
          carrier: o.carrier,
          message_id: o.messageId,
          message_sid: null,
          part: null,
          status: o.status,
          error_code: o.errorCode,
          error_message: o.errorMessage,
          done_at: o.doneAt,
          updated_at: now,
        })
        // Only a part still `sent` takes it: a duplicate receipt changes nothing.
        .onConflict((oc) =>
          oc
            .columns(['carrier', 'message_id'])
            .doUpdateSet({
              status: sql.ref('excluded.status'),
              error_code: sql.ref('excluded.error_code'),
              error_message: sql.ref('excluded.error_message'),
              done_at: sql.ref('excluded.done_at'),
              updated_at: now,
            })
            .where('carrier_parts.status', '=', 'sent'),
        )
        .returningAll()
        .executeTakeFirst();
      return row && toRecord(row);
    },

    async forMessage(messageSid) {
      const rows = await db
        .selectFrom('carrier_parts')
        .selectAll()
        .where('message_sid', '=', messageSid)
        .orderBy('part')
        .execute();
      return rows.map(toRecord);
    },

    async expireUnmatched(before, limit) {
      const victims = await db
        .selectFrom('carrier_parts')
        .select(['carrier', 'message_id'])
        .where('message_sid', 'is', null)
        .where('updated_at', '<', before)
        .limit(limit)
        .execute();
      let n = 0;
      for (const v of victims) {
        const r = await db
          .deleteFrom('carrier_parts')
          .where('carrier', '=', v.carrier)
          .where('message_id', '=', v.message_id)
          .where('message_sid', 'is', null)
          .executeTakeFirst();
        n += Number(r.numDeletedRows);
      }
      return n;
    },
  };
}
