import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { SettingsRepository } from '../store.js';

/** Key/value settings on any Kysely dialect. */
export function settingsRepository(db: Kysely<Database>): SettingsRepository {
  return {
    async get(key) {
      const r = await db
        .selectFrom('settings')
        .select('value')
        .where('key', '=', key)
        .executeTakeFirst();
      return r?.value;
    },
    async set(key, value) {
      await db
        .insertInto('settings')
        .values({ key, value })
        .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
        .execute();
    },
  };
}
