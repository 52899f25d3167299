import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.js';

/** Outgoing webhooks (status callbacks, inbound-message requests…) and their attempt log. */
export async function webhooks(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  const serial = (name: string) =>
    db.schema.createTable(name).addColumn('id', dialect.autoIncrementType, (c) => {
      const pk = c.primaryKey();
      return dialect.autoIncrementKeyword ? pk.autoIncrement() : pk;
    });

  await serial('webhooks')
    .addColumn('account_sid', 'text', (c) => c.notNull())
    // Webhooks sharing an order key (a message SID) are delivered strictly in `id` order.
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('fallback_url', 'text')
    .addColumn('fallback_method', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  // Head of a chain: the first pending webhook of an order key.
  await db.schema
    .createIndex('webhooks_order_pending')
    .on('webhooks')
    .columns(['order_key', 'status', 'id'])
    .execute();

  await serial('webhook_attempts')
    .addColumn('webhook_id', 'bigint', (c) => c.notNull())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('order_key', 'text', (c) => c.notNull())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('params', 'text', (c) => c.notNull())
    .addColumn('response_status', 'integer')
    .addColumn('response_excerpt', 'text')
    .addColumn('error', 'text')
    .addColumn('latency_ms', 'integer', (c) => c.notNull())
    .addColumn('attempted_at', 'bigint', (c) => c.notNull())
    .addColumn('next_retry_at', 'bigint')
    .execute();
  const attemptIndexes: Record<string, string[]> = {
    webhook_attempts_order: ['order_key', 'id'],
    webhook_attempts_webhook: ['webhook_id', 'id'],
    webhook_attempts_account: ['account_sid', 'id'],
  };
  for (const [name, columns] of Object.entries(attemptIndexes)) {
    await db.schema.createIndex(name).on('webhook_attempts').columns(columns).execute();
  }
}
