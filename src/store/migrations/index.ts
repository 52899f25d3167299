import type { Kysely, Migration, MigrationProvider } from 'kysely';
import { initial } from './001_initial.js';
import { media } from './005_media.js';
import { delivery } from './002_delivery.js';
import { webhooks } from './003_webhooks.js';
import { services } from './004_services.js';
import { optout } from './006_optout.js';
import { eventOrder } from './007_event_order.js';
import { leanIndexes } from './008_lean_indexes.js';
import { sentIndexes } from './009_sent_indexes.js';
import { testCredentials } from './010_test_credentials.js';
import { simRules } from './011_sim_rules.js';
import { idempotencyKeys } from './012_idempotency_keys.js';
import { webhookQueue } from './013_webhook_queue.js';
import { carrierParts } from './014_carrier_parts.js';

/** What a migration needs to know of the database it runs on. Supplied by each store adapter. */
export interface MigrationDialect {
  /** Column type of the auto-incrementing 64-bit primary key (`integer` in SQLite, `bigserial` in PostgreSQL). */
  readonly autoIncrementType: 'integer' | 'bigserial';
  /** Whether the type needs SQLite's `autoincrement` keyword to never reuse ids. */
  readonly autoIncrementKeyword: boolean;
  /** Column type of binary content (`blob` in SQLite, `bytea` in PostgreSQL). */
  readonly blobType: 'blob' | 'bytea';
}

/** A migration body: runs inside the migrator's transaction. */
export type MigrationStep = (db: Kysely<unknown>, dialect: MigrationDialect) => Promise<void>;

/** The ordered list of migrations. Names sort lexically; never rename or edit a shipped one. */
const steps: Record<string, MigrationStep> = {
  '001_initial': initial,
  '002_delivery': delivery,
  '003_webhooks': webhooks,
  '004_services': services,
  '005_media': media,
  '006_optout': optout,
  '007_event_order': eventOrder,
  '008_lean_indexes': leanIndexes,
  '009_sent_indexes': sentIndexes,
  '010_test_credentials': testCredentials,
  '011_sim_rules': simRules,
  '012_idempotency_keys': idempotencyKeys,
  '013_webhook_queue': webhookQueue,
  '014_carrier_parts': carrierParts,
};

/** A Kysely MigrationProvider over the inline list above, bound to one dialect. */
export function migrationProvider(dialect: MigrationDialect): MigrationProvider {
  return {
    getMigrations: () => {
      const out: Record<string, Migration> = {};
      for (const [name, step] of Object.entries(steps)) {
        out[name] = { up: (db) => step(db, dialect) };
      }
      return Promise.resolve(out);
    },
  };
}
