import type { Kysely } from 'kysely';

/**
 * The simulated carrier network's handset inboxes, the carrier reference on messages, and each
 * message's status history.
 */
export async function delivery(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('message_events')
    .addColumn('message_sid', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('message_events_sid')
    .on('message_events')
    .columns(['message_sid', 'at'])
    .execute();

  await db.schema.alterTable('messages').addColumn('carrier_ref', 'text').execute();
  await db.schema
    .createIndex('messages_carrier_ref')
    .on('messages')
    .column('carrier_ref')
    .execute();

  // One row per message a virtual handset received (or sent: `direction` = 'from-handset');
  // the primary key makes a submit idempotent.
  await db.schema
    .createTable('sim_deliveries')
    .addColumn('message_sid', 'text', (c) => c.primaryKey())
    .addColumn('direction', 'text', (c) => c.notNull().defaultTo('to-handset'))
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('handset', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text')
    .addColumn('body', 'text', (c) => c.notNull())
    .addColumn('media_urls', 'text', (c) => c.notNull())
    .addColumn('num_segments', 'integer', (c) => c.notNull())
    .addColumn('carrier_ref', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('received_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sim_deliveries_handset')
    .on('sim_deliveries')
    .columns(['handset', 'received_at'])
    .execute();
}
