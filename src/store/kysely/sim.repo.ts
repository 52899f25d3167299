import type { Kysely, Selectable } from 'kysely';
import type { Database, SimDeliveryTable } from '../schema.js';
import type { SimDelivery, SimRepository } from '../store.js';
import type { Batches } from './compiled-rows.js';

const toDelivery = (r: Selectable<SimDeliveryTable>): SimDelivery => ({
  messageSid: r.message_sid,
  direction: r.direction as SimDelivery['direction'],
  accountSid: r.account_sid,
  handset: r.handset,
  from: r.from_addr,
  body: r.body,
  mediaUrls: JSON.parse(r.media_urls) as string[],
  numSegments: Number(r.num_segments),
  carrierRef: r.carrier_ref,
  outcome: JSON.parse(r.outcome) as Record<string, unknown>,
  receivedAt: Number(r.received_at),
});

const toRow = (d: SimDelivery): SimDeliveryTable => ({
  message_sid: d.messageSid,
  direction: d.direction,
  account_sid: d.accountSid,
  handset: d.handset,
  from_addr: d.from,
  body: d.body,
  media_urls: JSON.stringify(d.mediaUrls),
  num_segments: d.numSegments,
  carrier_ref: d.carrierRef,
  outcome: JSON.stringify(d.outcome),
  received_at: d.receivedAt,
});

/** Handset inboxes of the simulated network on any Kysely dialect. */
export function simRepository(
  db: Kysely<Database>,
  { chunks, rows: batch }: Batches,
): SimRepository {
  const repo: SimRepository = {
    async record(d) {
      return (await repo.recordMany([d])).has(d.messageSid);
    },
    async recordMany(deliveries) {
      const fresh = new Set<string>();
      for (const chunk of chunks(deliveries)) {
        const list = await batch(db, 'sim_deliveries', chunk.map(toRow), (v) =>
          db
            .insertInto('sim_deliveries')
            .values(v)
            .onConflict((oc) => oc.column('message_sid').doNothing())
            .returning('message_sid'),
        );
        for (const r of list) fresh.add(r.message_sid);
      }
      return fresh;
    },
    async get(messageSid) {
      const r = await db
        .selectFrom('sim_deliveries')
        .selectAll()
        .where('message_sid', '=', messageSid)
        .executeTakeFirst();
      return r && toDelivery(r);
    },
    async listForHandset(handset, limit) {
      const list = await db
        .selectFrom('sim_deliveries')
        .selectAll()
        .where('handset', '=', handset)
        .orderBy('received_at', 'desc')
        .orderBy('message_sid', 'desc')
        .limit(limit)
        .execute();
      return list.map(toDelivery);
    },
  };
  return repo;
}
