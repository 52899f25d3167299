import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.js';

/** MMS media (content stored in the database) and Message Feedback. */
export async function media(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  // One row per media file of a message. `position` keeps MediaUrl order (sids are random);
  // `content` holds the bytes so a single store backup carries everything.
  await db.schema
    .createTable('media')
    .addColumn('sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('message_sid', 'text', (c) => c.notNull())
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('content_type', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('content', dialect.blobType, (c) => c.notNull())
    .addColumn('source_url', 'text')
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('media_message')
    .on('media')
    .columns(['account_sid', 'message_sid', 'date_created'])
    .execute();

  // At most one feedback per message: the primary key makes POST …/Feedback.json an upsert.
  await db.schema
    .createTable('message_feedback')
    .addColumn('message_sid', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .addColumn('date_updated', 'bigint', (c) => c.notNull())
    .execute();
}
