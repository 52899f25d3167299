import type { Kysely } from 'kysely';

/**
 * Test credentials (Twilio's "test Account SID" and "test auth token"), one pair per account.
 * Generated on first use (the start-up banner, the Loft endpoint), so existing accounts need no
 * backfill; authentication finds them by the test SID.
 */
export async function testCredentials(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('test_credentials')
    .addColumn('account_sid', 'text', (c) => c.primaryKey())
    .addColumn('test_sid', 'text', (c) => c.notNull().unique())
    .addColumn('auth_token', 'text', (c) => c.notNull())
    .addColumn('date_created', 'bigint', (c) => c.notNull())
    .execute();
}
