import type { Kysely } from 'kysely';

/** Messaging Services with their sender pools and sticky senders, and Applications. */
export async function services(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('messaging_services')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('messaging_services_account')
    .on('messaging_services')
    .columns(['account_sid', 'date_created'])
    .execute();

  // A number is in at most one pool: the unique phone_number_sid enforces it for every engine.
  await db.schema
    .createTable('service_phone_numbers')
    .addColumn('service_sid', 'text', (c) => c.notNull())
    .addColumn('phone_number_sid', 'text', (c) => c.notNull().unique())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_phone_numbers_pk', ['service_sid', 'phone_number_sid'])
    .execute();

  await db.schema
    .createTable('service_sticky_senders')
    .addColumn('service_sid', 'text', (c) => c.notNull())
    .addColumn('to_addr', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('service_sticky_senders_pk', ['service_sid', 'to_addr'])
    .execute();
  await db.schema
    .createIndex('service_sticky_senders_from')
    .on('service_sticky_senders')
    .columns(['service_sid', 'from_addr'])
    .execute();

  await db.schema
    .createTable('applications')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('applications_account')
    .on('applications')
    .columns(['account_sid', 'date_created'])
    .execute();
}
