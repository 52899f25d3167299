import type { Kysely, Selectable } from 'kysely';
import type { Database, SimDeliveryTable } from '../schema.js';
import type {
  SimDelivery,
  SimNetworkRecord,
  SimRepository,
  SimRuleRecord,
  SimRuleScope,
} from '../store.js';
import type { Batches } from './compiled-rows.js';

const toDelivery = (r: Selectable<SimDeliveryTable>): SimDelivery => ({
  messageSid: r.message_sid,
  direction: r.direction,
  accountSid: r.account_sid,
  handset: r.handset,
  from: r.from_addr,
  body: r.body,
  mediaUrls: JSON.parse(r.media_urls) as string[],
  numSegments: Number(r.num_segments),
  carrierRef: r.carrier_ref,
  outcome: JSON.parse(r.outcome) as Record<string, unknown>,
  receivedAt: Number(r.received_at),
});

const toRow = (d: SimDelivery): SimDeliveryTable => ({
  message_sid: d.messageSid,
  direction: d.direction,
  account_sid: d.accountSid,
  handset: d.handset,
  from_addr: d.from,
  body: d.body,
  media_urls: JSON.stringify(d.mediaUrls),
  num_segments: d.numSegments,
  carrier_ref: d.carrierRef,
  outcome: JSON.stringify(d.outcome),
  received_at: d.receivedAt,
});

/** Where the network settings live in `settings`. */
const NETWORK_KEYS = {
  chaos: 'sim_chaos',
  deliveryDelayMs: 'sim_delivery_delay_ms',
  seed: 'sim_seed',
} as const;

/** A network-wide rule has no owner: stored as `''` so (owner, id) stays unique. */
const ownerKey = (accountSid: string | null): string => accountSid ?? '';

const toRuleRow = (r: SimRuleRecord) => ({
  owner: ownerKey(r.accountSid),
  id: r.id,
  definition: JSON.stringify(r.definition),
});

/** Handset inboxes and the shared rules and settings of the simulated network on any Kysely dialect. */
export function simRepository(
  db: Kysely<Database>,
  { chunks, rows: batch }: Batches,
): SimRepository {
  const repo: SimRepository = {
    async record(d) {
      return (await repo.recordMany([d])).has(d.messageSid);
    },
    async recordMany(deliveries) {
      const fresh = new Set<string>();
      for (const chunk of chunks(deliveries)) {
        const list = await batch(db, 'sim_deliveries', chunk.map(toRow), (v) =>
          db
            .insertInto('sim_deliveries')
            .values(v)
            .onConflict((oc) => oc.column('message_sid').doNothing())
            .returning('message_sid'),
        );
        for (const r of list) fresh.add(r.message_sid);
      }
      return fresh;
    },
    async get(messageSid) {
      const r = await db
        .selectFrom('sim_deliveries')
        .selectAll()
        .where('message_sid', '=', messageSid)
        .executeTakeFirst();
      return r && toDelivery(r);
    },
    async listForHandset(handset, limit, family) {
      let q = db.selectFrom('sim_deliveries').selectAll().where('handset', '=', handset);
      if (family !== undefined) {
        q = q.where('account_sid', 'in', (s) =>
          s
            .selectFrom('accounts')
            .select('sid')
            .where((w) => w.or([w('sid', '=', family), w('owner_account_sid', '=', family)])),
        );
      }
      const list = await q
        .orderBy('received_at', 'desc')
        .orderBy('message_sid', 'desc')
        .limit(limit)
        .execute();
      return list.map(toDelivery);
    },
    async network() {
      const rules = await db.selectFrom('sim_rules').selectAll().orderBy('seq').execute();
      const settings = await db
        .selectFrom('settings')
        .select(['key', 'value'])
        .where('key', 'in', Object.values(NETWORK_KEYS))
        .execute();
      const value = (key: string) => settings.find((r) => r.key === key)?.value;
      const chaos = value(NETWORK_KEYS.chaos);
      const delay = value(NETWORK_KEYS.deliveryDelayMs);
      const out: SimNetworkRecord = {
        rules: rules.map((r) => ({
          id: r.id,
          accountSid: r.owner === '' ? null : r.owner,
          definition: JSON.parse(r.definition) as Record<string, unknown>,
        })),
        chaos: chaos === undefined ? null : (JSON.parse(chaos) as Record<string, unknown>),
        deliveryDelayMs: delay === undefined ? null : Number(delay),
        seed: value(NETWORK_KEYS.seed) ?? null,
      };
      return out;
    },
    async addRule(rule) {
      await removeIn(db, [rule.accountSid], rule.id);
      await db.insertInto('sim_rules').values(toRuleRow(rule)).execute();
    },
    async replaceRules(scope, rules) {
      await removeIn(db, scope);
      for (const rule of rules) await repo.addRule(rule);
    },
    async removeRule(scope, id) {
      return (await removeIn(db, scope, id)) > 0;
    },
    async setNetwork(patch) {
      for (const [name, key] of Object.entries(NETWORK_KEYS)) {
        const v = patch[name as keyof typeof NETWORK_KEYS];
        if (v === undefined) continue;
        if (v === null) {
          await db.deleteFrom('settings').where('key', '=', key).execute();
          continue;
        }
        const value = typeof v === 'string' ? v : JSON.stringify(v);
        await db
          .insertInto('settings')
          .values({ key, value })
          .onConflict((oc) => oc.column('key').doUpdateSet({ value }))
          .execute();
      }
    },
  };
  return repo;
}

/** Deletes the rules in `scope` (with this id, when given); returns how many went. */
async function removeIn(db: Kysely<Database>, scope: SimRuleScope, id?: string): Promise<number> {
  if (scope !== 'all' && scope.length === 0) return 0;
  let q = db.deleteFrom('sim_rules');
  if (scope !== 'all') q = q.where('owner', 'in', scope.map(ownerKey));
  if (id !== undefined) q = q.where('id', '=', id);
  const r = await q.executeTakeFirst();
  return Number(r.numDeletedRows);
}
