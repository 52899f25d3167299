import { inspect } from 'node:util';
import type { StoreLog } from '../health.js';
import { Migrator, sql, type Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Store, StoreCapabilities, StoreSignals, StoreStats } from '../store.js';
import type { UnavailabilityFeed } from '../unavailable.js';
import { migrationProvider, type MigrationDialect } from '../migrations/index.js';
import { accountRepository } from './accounts.repo.js';
import { apiKeyRepository } from './api-keys.repo.js';
import { phoneNumberRepository } from './phone-numbers.repo.js';
import { messageRepository } from './messages.repo.js';
import { settingsRepository } from './settings.repo.js';
import { outboxRepository } from './outbox.repo.js';
import { inTransaction } from './tx.js';
import { simRepository } from './sim.repo.js';
import { mediaRepository } from './media.repo.js';
import { feedbackRepository } from './feedback.repo.js';
import { webhookRepository } from './webhooks.repo.js';
import { messagingServiceRepository } from './services.repo.js';
import { applicationRepository } from './applications.repo.js';
import { optOutRepository } from './optouts.repo.js';
import { testCredentialsRepository } from './test-credentials.repo.js';
import { idempotencyKeyRepository } from './idempotency-keys.repo.js';
import { carrierPartRepository } from './carrier-parts.repo.js';
import { batches, type Batches } from './compiled-rows.js';

/** Engine-specific behaviour plugged into the shared store. */
export interface KyselyStoreHooks {
  /** Runs after content was erased (redaction), e.g. to flush old page images out of a WAL. */
  afterErase?: () => Promise<void>;
  close?: () => Promise<void>;
  /** Cross-process wake-ups (PostgreSQL LISTEN/NOTIFY). */
  signals?: StoreSignals;
  /** Where the adapter's dialect reports the failures it raised as StoreUnavailableError. */
  unavailable?: UnavailabilityFeed;
  /** The engine's figures for `/metrics` (pool, WAL); none when not given. */
  stats?: () => Promise<StoreStats>;
}

/** Builds the shared Kysely-backed Store over a dialect-specific Kysely instance. */
export function kyselyStore(
  db: Kysely<Database>,
  capabilities: StoreCapabilities,
  hooks: KyselyStoreHooks = {},
  batch: Batches = batches(capabilities),
  commitHooks?: (() => void)[],
): Store {
  return {
    capabilities,
    ...(hooks.signals && { signals: hooks.signals }),
    accounts: accountRepository(db),
    apiKeys: apiKeyRepository(db),
    testCredentials: testCredentialsRepository(db),
    phoneNumbers: phoneNumberRepository(db),
    messages: messageRepository(db, batch, hooks.afterErase, capabilities.multiTableInsert),
    settings: settingsRepository(db),
    outbox: outboxRepository(db, capabilities, batch),
    sim: simRepository(db, batch),
    media: mediaRepository(db, hooks.afterErase),
    feedback: feedbackRepository(db),
    webhooks: webhookRepository(db, capabilities, batch),
    services: messagingServiceRepository(db),
    applications: applicationRepository(db),
    optOuts: optOutRepository(db),
    idempotencyKeys: idempotencyKeyRepository(db),
    carrierParts: carrierPartRepository(db),
    // Transactions share the store's batch helpers (and so its compiled statement shapes).
    async transaction(fn) {
      // Nested: the outermost transaction's hooks run after its commit.
      if (db.isTransaction) return fn(kyselyStore(db, capabilities, hooks, batch, commitHooks));
      const after: (() => void)[] = [];
      const result = await inTransaction(db, (trx) =>
        fn(kyselyStore(trx, capabilities, hooks, batch, after)),
      );
      for (const hook of after) {
        try {
          hook();
        } catch {
          // Committed either way: see Store.afterCommit.
        }
      }
      return result;
    },
    afterCommit(hook) {
      if (commitHooks) commitHooks.push(hook);
      else hook();
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
    onUnavailable: (listener) => hooks.unavailable?.subscribe(listener) ?? (() => undefined),
    stats: hooks.stats ?? (() => Promise.resolve({})),
    close: hooks.close ?? (() => db.destroy()),
  };
}

/** The `migrations applied` info line (none when nothing was pending). */
export function logMigrations(log: StoreLog | undefined, names: string[]): void {
  if (names.length > 0) log?.info({ count: names.length, migrations: names }, 'migrations applied');
}

/** Runs every pending migration; throws with the failing migration's name on error. */
export async function migrateToLatest(
  db: Kysely<Database>,
  dialect: MigrationDialect,
): Promise<string[]> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) {
    const cause = error instanceof Error ? error.message : inspect(error);
    throw new Error(`migration ${failed?.migrationName ?? '(unknown)'} failed: ${cause}`, {
      cause: error,
    });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
