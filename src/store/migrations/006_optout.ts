import type { Kysely } from 'kysely';

/** Opt-out blocks (STOP keywords) and the per-number / per-service keyword reply texts. */
export async function optout(db: Kysely<unknown>): Promise<void> {
  // One row per blocked (scope, handset) pair. The scope is the sending number (E.164) or, when
  // the number is in a Messaging Service, the service SID: a block covers the whole service.
  await db.schema
    .createTable('opt_outs')
    .addColumn('scope_key', 'text', (c) => c.notNull())
    .addColumn('recipient', 'text', (c) => c.notNull())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('opt_outs_pk', ['scope_key', 'recipient'])
    .execute();
  await db.schema
    .createIndex('opt_outs_account')
    .on('opt_outs')
    .columns(['account_sid', 'created_at'])
    .execute();

  // Custom reply texts per scope; a null column means Twilio's default text.
  await db.schema
    .createTable('opt_out_replies')
    .addColumn('scope_key', 'text', (c) => c.primaryKey())
    .addColumn('account_sid', 'text', (c) => c.notNull())
    .addColumn('stop_reply', 'text')
    .addColumn('start_reply', 'text')
    .addColumn('help_reply', 'text')
    .execute();
}
