import { sql, type Kysely } from 'kysely';

/**
 * The webhooks table becomes its own queue: a webhook carries its due time (`run_at`, null
 * while it waits behind an earlier webhook of its order key, or once settled) and the worker
 * holding it (`lease_owner`; a claim moves `run_at` to the lease's end, so a webhook whose
 * worker died is due again then), instead of a job row in the outbox beside it. The jobs of
 * pending webhooks move into their rows, and the `webhook` jobs go.
 */
export async function webhookQueue(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('webhooks').addColumn('run_at', 'bigint').execute();
  await db.schema.alterTable('webhooks').addColumn('lease_owner', 'text').execute();
  await sql`update webhooks set run_at = (
      select min(o.run_at) from outbox o where o.kind = 'webhook' and o.ref = cast(webhooks.id as text)
    ) where status = 'pending'`.execute(db);
  await sql`delete from outbox where kind = 'webhook'`.execute(db);
  // The claim's range: only pending chain heads are in it, leased ones past the due ones.
  await db.schema
    .createIndex('webhooks_due')
    .on('webhooks')
    .columns(['run_at', 'id'])
    .where(sql.ref('run_at'), 'is not', null)
    .execute();
}
