import type { Kysely } from 'kysely';

/**
 * `Idempotency-Key`s of message creates (a Loft extension): one row per account and key, written
 * in the transaction that stores the message, so a retried create finds the message it made.
 * Rows expire after 24 h (the retention sweep deletes them by `created_at`); `message_sid` finds
 * a message's row when it is redacted or deleted.
 */
export async function idempotencyKeys(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('idempotency_keys')
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text')
    .addColumn('message_sid', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_sid', 'idempotency_key'])
    .execute();
  await db.schema
    .createIndex('idempotency_keys_created_at')
    .on('idempotency_keys')
    .column('created_at')
    .execute();
  await db.schema
    .createIndex('idempotency_keys_message_sid')
    .on('idempotency_keys')
    .column('message_sid')
    .execute();
}
