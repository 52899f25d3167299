import type { Kysely } from 'kysely';
import type { MigrationDialect } from './index.js';

/**
 * The simulator's failure-injection rules move from each process's memory into the store, so
 * every process of a PostgreSQL deployment decides alike. A rule belongs to an account (it
 * applies to that account's messages only) or to nobody (`owner = ''`: network-wide); ids are
 * unique per owner, and `seq` is the order rules are checked in. Chaos and the network
 * settings are rows of `settings`.
 */
export async function simRules(db: Kysely<unknown>, dialect: MigrationDialect): Promise<void> {
  await db.schema
    .createTable('sim_rules')
    .addColumn('seq', dialect.autoIncrementType, (c) => {
      const key = c.primaryKey();
      return dialect.autoIncrementKeyword ? key.autoIncrement() : key;
    })
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('id', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex('sim_rules_owner_id')
    .unique()
    .on('sim_rules')
    .columns(['owner', 'id'])
    .execute();
}
