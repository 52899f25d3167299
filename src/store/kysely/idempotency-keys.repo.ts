import type { Kysely, Selectable } from 'kysely';
import type { Database, IdempotencyKeyTable } from '../schema.js';
import type { IdempotencyKey, IdempotencyKeyRepository } from '../store.js';

const toRecord = (r: Selectable<IdempotencyKeyTable>): IdempotencyKey => ({
  accountSid: r.account_sid,
  key: r.idempotency_key,
  fingerprint: r.fingerprint,
  messageSid: r.message_sid,
  createdAt: Number(r.created_at),
});

/** Rows per INSERT: 5 parameters each, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const CHUNK = 1000;

/** Idempotency keys on any Kysely dialect. */
export function idempotencyKeyRepository(db: Kysely<Database>): IdempotencyKeyRepository {
  return {
    async get(accountSid, key, notBefore) {
      const r = await db
        .selectFrom('idempotency_keys')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .where('idempotency_key', '=', key)
        .where('created_at', '>=', notBefore)
        .executeTakeFirst();
      return r && toRecord(r);
    },

    async claim(keys, notBefore) {
      const stored = new Set<string>();
      for (let i = 0; i < keys.length; i += CHUNK) {
        const rows = await db
          .insertInto('idempotency_keys')
          .values(
            keys.slice(i, i + CHUNK).map((k) => ({
              account_sid: k.accountSid,
              idempotency_key: k.key,
              fingerprint: k.fingerprint,
              message_sid: k.messageSid,
              created_at: k.createdAt,
            })),
          )
          // An expired row is replaced; a live one is kept, and its claim is not returned. On
          // PostgreSQL a row another transaction has inserted but not committed makes this wait
          // for that transaction, then see its row (kept) or none (ours is stored).
          .onConflict((oc) =>
            oc
              .columns(['account_sid', 'idempotency_key'])
              .doUpdateSet((eb) => ({
                fingerprint: eb.ref('excluded.fingerprint'),
                message_sid: eb.ref('excluded.message_sid'),
                created_at: eb.ref('excluded.created_at'),
              }))
              .where('idempotency_keys.created_at', '<', notBefore),
          )
          .returning('message_sid')
          .execute();
        for (const r of rows) stored.add(r.message_sid);
      }
      return stored;
    },

    async expire(before, limit) {
      // A message has at most one key: its SID names the row.
      const victims = await db
        .selectFrom('idempotency_keys')
        .select('message_sid')
        .where('created_at', '<', before)
        .limit(limit)
        .execute();
      if (victims.length === 0) return 0;
      const r = await db
        .deleteFrom('idempotency_keys')
        .where('created_at', '<', before)
        .where(
          'message_sid',
          'in',
          victims.map((v) => v.message_sid),
        )
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
