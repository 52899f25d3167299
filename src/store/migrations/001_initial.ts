import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.js';

/** Accounts, keys, phone numbers, messages (+ tags) and the outbox. */
export async function initial(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  const serial = (name: string) =>
    db.schema
      .createTable(name)
      .addColumn(name === 'messages' ? 'seq' : 'id', dialect.autoIncrementType, (c) => {
        const pk = c.primaryKey();
        return dialect.autoIncrementKeyword ? pk.autoIncrement() : pk;
      });

  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('accounts')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('owner_account_sid', 'text', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('auth_token', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('accounts_owner')
    .on('accounts')
    .columns(['owner_account_sid', 'date_created'])
    .execute();

  await db.schema
    .createTable('api_keys')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('api_keys_account')
    .on('api_keys')
    .columns(['account_sid', 'date_created'])
    .execute();

  await db.schema
    .createTable('incoming_phone_numbers')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('phone_number', 'text', (c) => c.notNull().unique())
    .addColumn('friendly_name', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('incoming_phone_numbers_account')
    .on('incoming_phone_numbers')
    .columns(['account_sid', 'date_created'])
    .execute();

  await serial('messages')
    .addColumn('sid', 'text', (c) => c.notNull().unique())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('direction', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('from_addr', 'text')
    .addColumn('to_addr', 'text', (c) => c.notNull())
    .addColumn('body', 'text')
    .addColumn('num_segments', 'integer', (c) => c.notNull())
    .addColumn('num_media', 'integer', (c) => c.notNull())
    .addColumn('messaging_service_sid', 'text')
    .addColumn('error_code', 'integer')
    .addColumn('error_message', 'text')
    .addColumn('price', 'text')
    .addColumn('price_unit', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .addColumn('date_sent', 'bigint')
    .addColumn('send_at', 'bigint')
    .addColumn('status_callback', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .execute();
  // One index per list filter combination. Unfiltered/To/From pages walk `seq`; DateSent
  // pages walk (date_sent, seq). Each keeps a page's cost independent of depth and table size.
  const messageIndexes: Record<string, string[]> = {
    messages_account_seq: ['account_sid', 'seq'],
    messages_to_seq: ['account_sid', 'to_addr', 'seq'],
    messages_from_seq: ['account_sid', 'from_addr', 'seq'],
    messages_to_from_seq: ['account_sid', 'to_addr', 'from_addr', 'seq'],
    messages_sent: ['account_sid', 'date_sent', 'seq'],
    messages_to_sent: ['account_sid', 'to_addr', 'date_sent', 'seq'],
    messages_from_sent: ['account_sid', 'from_addr', 'date_sent', 'seq'],
    messages_to_from_sent: ['account_sid', 'to_addr', 'from_addr', 'date_sent', 'seq'],
  };
  for (const [name, columns] of Object.entries(messageIndexes)) {
    await db.schema.createIndex(name).on('messages').columns(columns).execute();
  }

  await db.schema
    .createTable('message_tags')
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('message_seq', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('message_tags_pk', ['account_sid', 'key', 'value', 'message_seq'])
    .execute();
  await db.schema
    .createIndex('message_tags_seq')
    .on('message_tags')
    .column('message_seq')
    .execute();

  await serial('outbox')
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('ref', 'text', (c) => c.notNull())
    .addColumn('payload', 'text', (c) => c.notNull().defaultTo('{}'))
    .addColumn('run_at', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('lease_owner', 'text')
    .addColumn('lease_until', 'bigint')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
  // Claims walk one kind's due jobs in order: (kind, run_at, id).
  await db.schema
    .createIndex('outbox_due')
    .on('outbox')
    .columns(['kind', 'run_at', 'id'])
    .execute();
  await db.schema.createIndex('outbox_ref').on('outbox').columns(['ref', 'id']).execute();
}
