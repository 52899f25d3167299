import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.js';

interface EventRow {
  message_sid: string;
  status: string;
  error_code: number | null;
  at: number;
}

type EventTables = { message_events: EventRow; message_events_ordered: EventRow };

/**
 * Gives the status history a total order: an auto-increment `id` breaks ties between events of
 * the same millisecond. Without it, equal `at` values came back in whatever order the engine
 * found them: insertion order on SQLite (rowid), but on PostgreSQL that depends on where rows
 * landed in the heap (free space reused after deletes) or on an unstable sort.
 *
 * The table is rebuilt (SQLite cannot add a primary key column); existing events are copied
 * oldest first.
 */
export async function eventOrder(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  const k = db.withTables<EventTables>();
  await k.schema
    .createTable('message_events_ordered')
    .addColumn('id', dialect.autoIncrementType, (c) => {
      const pk = c.primaryKey();
      return dialect.autoIncrementKeyword ? pk.autoIncrement() : pk;
    })
    .addColumn('message_sid', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('error_code', 'integer')
    .addColumn('at', 'bigint', (c) => c.notNull())
    .execute();
  await k
    .insertInto('message_events_ordered')
    .columns(['message_sid', 'status', 'error_code', 'at'])
    .expression(
      k
        .selectFrom('message_events')
        .select(['message_sid', 'status', 'error_code', 'at'])
        .orderBy('at'),
    )
    .execute();
  await k.schema.dropTable('message_events').execute();
  await k.schema.alterTable('message_events_ordered').renameTo('message_events').execute();
  await k.schema
    .createIndex('message_events_sid')
    .on('message_events')
    .columns(['message_sid', 'at', 'id'])
    .execute();
}
