import type { Kysely } from 'kysely';

/**
 * The parts of messages sent through network carriers (SMPP), one row per SMSC message_id. A
 * delivery receipt that comes before its part is recorded (before the submit_sm_resp was) is
 * kept in the same row with no message yet: the primary key (carrier, message_id) makes the
 * two writers meet on one row whichever comes first (on PostgreSQL the second waits for the
 * first to commit), so no receipt is lost between two tables.
 */
export async function carrierParts(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('carrier_parts')
    .addColumn('carrier', 'text', (c) => c.notNull())
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('message_sid', 'text')
    .addColumn('part', 'integer')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('error_message', 'text')
    .addColumn('done_at', 'bigint')
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('carrier_parts_pk', ['carrier', 'message_id'])
    .execute();
  await db.schema
    .createIndex('carrier_parts_message_sid')
    .on('carrier_parts')
    .column('message_sid')
    .execute();
}
