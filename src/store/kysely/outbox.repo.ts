import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, OutboxTable } from '../schema.js';
import type {
  NewOutboxJob,
  OutboxJob,
  OutboxLease,
  OutboxRepository,
  StoreCapabilities,
} from '../store.js';
import type { Batches } from './compiled-rows.js';

const toJob = (r: {
  id: number | string;
  kind: string;
  ref: string;
  payload: string;
  run_at: number | string;
  attempts: number | string;
}): OutboxJob => ({
  id: Number(r.id),
  kind: r.kind,
  ref: r.ref,
  payload: JSON.parse(r.payload) as Record<string, unknown>,
  runAt: Number(r.run_at),
  attempts: Number(r.attempts),
});

/** The stored row of a new job (no attempts yet; leased only when `lease` is given). */
export const outboxRow = (j: NewOutboxJob, lease?: OutboxLease): Insertable<OutboxTable> => ({
  kind: j.kind,
  ref: j.ref,
  payload: JSON.stringify(j.payload ?? {}),
  run_at: j.runAt,
  attempts: 0,
  lease_owner: lease?.owner ?? null,
  lease_until: lease?.until ?? null,
  created_at: j.createdAt ?? j.runAt,
});

/**
 * The durable job queue on any Kysely dialect. Jobs are claimed with a lease; an expired lease
 * (a dead worker) makes the job claimable again. Where the engine allows several processes,
 * the claim skips rows other workers have locked.
 */
export function outboxRepository(
  db: Kysely<Database>,
  capabilities: StoreCapabilities,
  { chunks, insert }: Batches,
): OutboxRepository {
  return {
    async enqueue(jobs) {
      for (const chunk of chunks(jobs))
        await insert(
          db,
          'outbox',
          chunk.map((j) => outboxRow(j)),
        );
    },

    async claim({ kinds, owner, now, limit, leaseMs }) {
      // One index range per kind, (kind, run_at, id), so a backlog of one kind never slows
      // claiming another.
      const claimed: OutboxJob[] = [];
      for (const kind of kinds) {
        if (claimed.length >= limit) break;
        let due = db
          .selectFrom('outbox')
          .select('id')
          .where('kind', '=', kind)
          .where('run_at', '<=', now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<', now)]))
          .orderBy('run_at')
          .orderBy('id')
          .limit(limit - claimed.length);
        if (capabilities.multiProcess) due = due.forUpdate().skipLocked();
        const rows = await db
          .updateTable('outbox')
          .set({ lease_owner: owner, lease_until: now + leaseMs })
          .where('id', 'in', due)
          .returningAll()
          .execute();
        claimed.push(...rows.map(toJob));
      }
      return claimed.sort((a, b) => a.runAt - b.runAt || a.id - b.id);
    },

    async complete(id, owner) {
      await db
        .deleteFrom('outbox')
        .where('id', '=', id)
        .$if(owner !== undefined, (q) => q.where('lease_owner', '=', owner ?? ''))
        .execute();
    },

    async completeMany(ids, owner) {
      let removed = 0;
      for (const chunk of chunks(ids)) {
        const r = await db
          .deleteFrom('outbox')
          .where('id', 'in', chunk)
          .$if(owner !== undefined, (q) => q.where('lease_owner', '=', owner ?? ''))
          .executeTakeFirst();
        removed += Number(r.numDeletedRows);
      }
      return removed;
    },

    async renew(ids, owner, until) {
      if (ids.length === 0) return;
      await db
        .updateTable('outbox')
        .set({ lease_until: until })
        .where('id', 'in', ids)
        .where('lease_owner', '=', owner)
        .execute();
    },

    async retry(id, runAt, payload, owner) {
      await db
        .updateTable('outbox')
        .set((eb) => ({
          run_at: runAt,
          lease_owner: null,
          lease_until: null,
          attempts: eb('attempts', '+', 1),
          ...(payload && { payload: JSON.stringify(payload) }),
        }))
        .where('id', '=', id)
        .$if(owner !== undefined, (q) => q.where('lease_owner', '=', owner ?? ''))
        .execute();
    },

    async releaseAll(owner) {
      let q = db.updateTable('outbox').set({ lease_owner: null, lease_until: null });
      if (owner !== undefined) q = q.where('lease_owner', '=', owner);
      await q.execute();
    },

    async count(kinds) {
      // `in ()` is an empty set to SQLite but a syntax error to PostgreSQL.
      if (kinds.length === 0) return 0;
      const r = await db
        .selectFrom('outbox')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('kind', 'in', kinds)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async stats(now) {
      // One pass over the (kind, run_at, id) index; the due-and-unleased test is per row.
      const claimable = sql<boolean>`run_at <= ${now} and (lease_until is null or lease_until < ${now})`;
      const rows = await db
        .selectFrom('outbox')
        .select((eb) => [
          'kind',
          eb.fn.countAll<number | string>().as('jobs'),
          eb.fn
            .min<number | string | null>(sql`case when ${claimable} then run_at end`)
            .as('oldest'),
        ])
        .groupBy('kind')
        .execute();
      return rows.map((r) => ({
        kind: r.kind,
        jobs: Number(r.jobs),
        oldestDueAt: r.oldest === null ? null : Number(r.oldest),
      }));
    },
  };
}
