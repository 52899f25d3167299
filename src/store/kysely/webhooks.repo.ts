import type { Kysely, Selectable } from 'kysely';
import type { Database, WebhookAttemptTable, WebhookTable } from '../schema.js';
import type {
  StoreCapabilities,
  Webhook,
  WebhookAttempt,
  WebhookMethod,
  WebhookParams,
  WebhookRepository,
  WebhookStatus,
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
  method: r.method as WebhookMethod,
  params: JSON.parse(r.params) as WebhookParams,
  fallbackUrl: r.fallback_url,
  fallbackMethod: r.fallback_method as WebhookMethod | null,
  status: r.status as WebhookStatus,
  attempts: num(r.attempts),
  createdAt: num(r.created_at),
  updatedAt: num(r.updated_at),
});

const toAttempt = (r: Selectable<WebhookAttemptTable>): WebhookAttempt => ({
  id: num(r.id),
  webhookId: num(r.webhook_id),
  accountSid: r.account_sid,
  orderKey: r.order_key,
  url: r.url,
  method: r.method as WebhookMethod,
  params: JSON.parse(r.params) as WebhookParams,
  responseStatus: numOrNull(r.response_status),
  responseExcerpt: r.response_excerpt,
  error: r.error,
  latencyMs: num(r.latency_ms),
  attemptedAt: num(r.attempted_at),
  nextRetryAt: numOrNull(r.next_retry_at),
});

/** Outgoing webhooks and their attempt log on any Kysely dialect. */
export function webhookRepository(
  db: Kysely<Database>,
  capabilities: StoreCapabilities,
): WebhookRepository {
  return {
    async insert(w) {
      const r = await db
        .insertInto('webhooks')
        .values({
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
          created_at: w.createdAt,
          updated_at: w.createdAt,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      return toWebhook(r);
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

    async hasPendingBefore(orderKey, id) {
      let q = db
        .selectFrom('webhooks')
        .select('id')
        .where('order_key', '=', orderKey)
        .where('status', '=', 'pending')
        .where('id', '<', id)
        .orderBy('id')
        .limit(1);
      if (capabilities.multiProcess) q = q.forUpdate();
      return (await q.executeTakeFirst()) !== undefined;
    },

    async completeRound(id, round, now) {
      const r = await db
        .updateTable('webhooks')
        .set({ status: round.status, attempts: round.expectedAttempts + 1, updated_at: now })
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .where('attempts', '=', round.expectedAttempts)
        .executeTakeFirst();
      return Number(r.numUpdatedRows) > 0;
    },

    async recordAttempt(a) {
      const r = await db
        .insertInto('webhook_attempts')
        .values({
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
        })
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
}
