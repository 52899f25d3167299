import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { Database, WebhookAttemptTable, WebhookTable } from '../schema.js';
import type { Batches } from './compiled-rows.js';
import type {
  StoreCapabilities,
  Webhook,
  WebhookAttempt,
  WebhookParams,
  WebhookRepository,
  WebhookStatus,
  NewWebhook,
} from '../store.js';

// 64-bit columns arrive as strings from some drivers (pg).
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : num(v));

const toWebhook = (r: Selectable<WebhookTable>): Webhook => ({
  id: num(r.id),
  accountSid: r.account_sid,
  orderKey: r.order_key,
  kind: r.kind,
  url: r.url,
  method: r.method,
  params: JSON.parse(r.params) as WebhookParams,
  fallbackUrl: r.fallback_url,
  fallbackMethod: r.fallback_method,
  status: r.status,
  attempts: num(r.attempts),
  runAt: numOrNull(r.run_at),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const toAttempt = (r: Selectable<WebhookAttemptTable>): WebhookAttempt => ({
  id: num(r.id),
  webhookId: num(r.webhook_id),
  accountSid: r.account_sid,
  orderKey: r.order_key,
  url: r.url,
  method: r.method,
  params: JSON.parse(r.params) as WebhookParams,
  responseStatus: numOrNull(r.response_status),
  responseExcerpt: r.response_excerpt,
  error: r.error,
  latencyMs: num(r.latency_ms),
  attemptedAt: num(r.attempted_at),
  nextRetryAt: numOrNull(r.next_retry_at),
});

const webhookRow = (w: NewWebhook): Insertable<WebhookTable> => ({
  account_sid: w.accountSid,
  order_key: w.orderKey,
  kind: w.kind,
  url: w.url,
  method: w.method,
  params: JSON.stringify(w.params),
  fallback_url: w.fallbackUrl,
  fallback_method: w.fallbackMethod,
  status: 'pending',
  attempts: 0,
  run_at: w.runAt ?? null,
  created_at: w.createdAt,
  updated_at: w.createdAt,
});

const attemptRow = (a: Omit<WebhookAttempt, 'id'>) => ({
  webhook_id: a.webhookId,
  account_sid: a.accountSid,
  order_key: a.orderKey,
  url: a.url,
  method: a.method,
  params: JSON.stringify(a.params),
  response_status: a.responseStatus,
  response_excerpt: a.responseExcerpt,
  error: a.error,
  latency_ms: a.latencyMs,
  attempted_at: a.attemptedAt,
  next_retry_at: a.nextRetryAt,
});

/** Outgoing webhooks and their attempt log on any Kysely dialect. */
export function webhookRepository(
  db: Kysely<Database>,
  capabilities: StoreCapabilities,
  { chunks, rows: batch, insert }: Batches,
): WebhookRepository {
  const repo: WebhookRepository = {
    async insert(w) {
      const r = await db
        .insertInto('webhooks')
        .values(webhookRow(w))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWebhook(r);
    },

    async insertMany(list) {
      const ids: number[] = [];
      // Both engines number the rows of one multi-row INSERT in VALUES order.
      for (const chunk of chunks(list)) {
        const r = await batch(db, 'webhooks', chunk.map(webhookRow), (v) =>
          db.insertInto('webhooks').values(v).returning('id'),
        );
        for (const row of r) ids.push(num(row.id));
      }
      return ids.sort((a, b) => a - b);
    },

    async getMany(ids) {
      const out: Webhook[] = [];
      for (const chunk of chunks(ids)) {
        const list = await db.selectFrom('webhooks').selectAll().where('id', 'in', chunk).execute();
        for (const r of list) out.push(toWebhook(r));
      }
      return out;
    },

    async pendingHeads(orderKeys, opts) {
      const heads = new Map<string, number>();
      const lock = opts?.lock === true && capabilities.multiProcess;
      for (const chunk of chunks([...new Set(orderKeys)])) {
        const pending = db
          .selectFrom('webhooks')
          .where('order_key', 'in', chunk)
          .where('status', '=', 'pending');
        // Row locks allow no GROUP BY: every pending row, and the first per key is its head.
        // Without, one row per key (a chain's later webhooks are never read).
        const rows = lock
          ? await pending.select(['id', 'order_key']).orderBy('id').forUpdate().execute()
          : await pending
              .select((eb) => [eb.fn.min('id').as('id'), 'order_key'])
              .groupBy('order_key')
              .execute();
        for (const r of rows) {
          const id = num(r.id);
          const seen = heads.get(r.order_key);
          if (seen === undefined || id < seen) heads.set(r.order_key, id);
        }
      }
      return heads;
    },

    async completeRounds(rounds, now) {
      const applied = new Set<number>();
      const groups = new Map<
        string,
        { expected: number; status: WebhookStatus; retryAt: number | null; ids: number[] }
      >();
      for (const r of rounds) {
        const retryAt = r.status === 'pending' ? (r.retryAt ?? null) : null;
        const key = `${r.expectedAttempts}:${r.status}:${retryAt}`;
        const g = groups.get(key) ?? {
          expected: r.expectedAttempts,
          status: r.status,
          retryAt,
          ids: [],
        };
        g.ids.push(r.id);
        groups.set(key, g);
      }
      for (const g of groups.values()) {
        for (const chunk of chunks(g.ids)) {
          const list = await db
            .updateTable('webhooks')
            .set({
              status: g.status,
              attempts: g.expected + 1,
              run_at: g.retryAt,
              lease_owner: null,
              updated_at: now,
            })
            .where('id', 'in', chunk)
            .where('status', '=', 'pending')
            .where('attempts', '=', g.expected)
            .returning('id')
            .execute();
          for (const r of list) applied.add(num(r.id));
        }
      }
      return applied;
    },

    async claim({ owner, now, limit, leaseMs }) {
      let due = db
        .selectFrom('webhooks')
        .select('id')
        .where('run_at', 'is not', null)
        .where('run_at', '<=', now)
        .orderBy('run_at')
        .orderBy('id')
        .limit(limit);
      if (capabilities.multiProcess) due = due.forUpdate().skipLocked();
      const rows = await db
        .updateTable('webhooks')
        // Leased by moving its due time to the lease's end: in-flight webhooks leave the
        // claim's range, and one whose worker died is due again when the lease runs out.
        .set({ lease_owner: owner, run_at: now + leaseMs })
        .where('id', 'in', due)
        .returningAll()
        .execute();
      return rows.map(toWebhook).sort((a, b) => (a.runAt ?? 0) - (b.runAt ?? 0) || a.id - b.id);
    },

    async renew(ids, owner, until) {
      for (const chunk of chunks(ids)) {
        await db
          .updateTable('webhooks')
          .set({ run_at: until })
          .where('id', 'in', chunk)
          .where('lease_owner', '=', owner)
          .where('status', '=', 'pending')
          .execute();
      }
    },

    async reschedule(ids, owner, runAt) {
      for (const chunk of chunks(ids)) {
        await db
          .updateTable('webhooks')
          .set({ run_at: runAt, lease_owner: null })
          .where('id', 'in', chunk)
          .where('lease_owner', '=', owner)
          .where('status', '=', 'pending')
          .execute();
      }
    },

    async releaseAll(now, owner) {
      let q = db
        .updateTable('webhooks')
        .set({ lease_owner: null, run_at: now })
        .where('lease_owner', 'is not', null)
        .where('status', '=', 'pending');
      if (owner !== undefined) q = q.where('lease_owner', '=', owner);
      await q.execute();
    },

    async activate(orderKeys, now) {
      for (const chunk of chunks([...new Set(orderKeys)])) {
        const heads = db
          .selectFrom('webhooks')
          .select((eb) => eb.fn.min('id').as('id'))
          .where('order_key', 'in', chunk)
          .where('status', '=', 'pending')
          .groupBy('order_key');
        await db
          .updateTable('webhooks')
          .set({ run_at: now })
          .where('id', 'in', heads)
          .where('run_at', 'is', null)
          .execute();
      }
    },

    async queueStats(now) {
      const r = await db
        .selectFrom('webhooks')
        .select((eb) => [
          eb.fn.countAll<number | string>().as('jobs'),
          eb.fn
            .min<number | string | null>(sql`case when run_at <= ${now} then run_at end`)
            .as('oldest'),
        ])
        .where('run_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return { jobs: num(r.jobs), oldestDueAt: numOrNull(r.oldest) };
    },

    async recordAttempts(list) {
      for (const chunk of chunks(list)) {
        await insert(db, 'webhook_attempts', chunk.map(attemptRow));
      }
    },

    async get(id) {
      const r = await db.selectFrom('webhooks').selectAll().where('id', '=', id).executeTakeFirst();
      return r && toWebhook(r);
    },

    async nextPending(orderKey) {
      const r = await db
        .selectFrom('webhooks')
        .selectAll()
        .where('order_key', '=', orderKey)
        .where('status', '=', 'pending')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      return r && toWebhook(r);
    },

    async recordAttempt(a) {
      const r = await db
        .insertInto('webhook_attempts')
        .values(attemptRow(a))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toAttempt(r);
    },

    async attempts(orderKey) {
      const list = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('order_key', '=', orderKey)
        .orderBy('id')
        .execute();
      return list.map(toAttempt);
    },

    async attemptsForWebhook(webhookId) {
      const list = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('webhook_id', '=', webhookId)
        .orderBy('id')
        .execute();
      return list.map(toAttempt);
    },

    async attemptsForAccount(accountSid, limit) {
      const list = await db
        .selectFrom('webhook_attempts')
        .selectAll()
        .where('account_sid', '=', accountSid)
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return list.map(toAttempt);
    },

    async countByOrderKey(orderKey, kind) {
      const r = await db
        .selectFrom('webhooks')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('order_key', '=', orderKey)
        .where('kind', '=', kind)
        .executeTakeFirst();
      return Number(r?.n ?? 0);
    },
  };
  return repo;
}
