import type { Kysely, SelectQueryBuilder } from 'kysely';
import type { Database } from '../schema.js';
import type { MessageFilter, MessageRepository, PageRequest } from '../store.js';
import { IN_FLIGHT_STATUSES, type MessageStatus } from '../records.js';
import { rows } from './rows.js';
import { inTransaction } from './tx.js';

type MessageQuery = SelectQueryBuilder<Database, 'messages', object>;

/** Applies the list filters; every combination is served by one of the migration's indexes. */
function filtered(db: Kysely<Database>, f: MessageFilter): MessageQuery {
  let q = db.selectFrom('messages').where('messages.account_sid', '=', f.accountSid);
  if (f.to !== undefined) q = q.where('to_addr', '=', f.to);
  if (f.from !== undefined) q = q.where('from_addr', '=', f.from);
  if (f.sentFrom !== undefined) q = q.where('date_sent', '>=', f.sentFrom);
  if (f.sentTo !== undefined) q = q.where('date_sent', '<=', f.sentTo);
  for (const [key, value] of f.tags) {
    q = q.where(({ exists, selectFrom }) =>
      exists(
        selectFrom('message_tags')
          .select('message_tags.message_seq')
          .whereRef('message_tags.account_sid', '=', 'messages.account_sid')
          .where('message_tags.key', '=', key)
          .where('message_tags.value', '=', value)
          .whereRef('message_tags.message_seq', '=', 'messages.seq'),
      ),
    );
  }
  return q;
}

/** Keyset paging: newest first by seq, or by (date_sent, seq) when a DateSent bound is given. */
function paged(q: MessageQuery, byDateSent: boolean, page: PageRequest): MessageQuery {
  const older = page.direction === 'after';
  const c = page.cursor;
  if (c) {
    if (byDateSent && c.at !== undefined) {
      const at = c.at;
      q = older
        ? q
            .where('date_sent', '<=', at)
            .where((eb) => eb.or([eb('date_sent', '<', at), eb('seq', '<', c.seq)]))
        : q
            .where('date_sent', '>=', at)
            .where((eb) => eb.or([eb('date_sent', '>', at), eb('seq', '>', c.seq)]));
    } else {
      q = q.where('seq', older ? '<' : '>', c.seq);
    }
  }
  const dir = older ? 'desc' : 'asc';
  if (byDateSent) q = q.orderBy('date_sent', dir);
  q = q.orderBy('seq', dir).limit(page.limit);
  if (page.offset) q = q.offset(page.offset);
  return q;
}

/** Messages on any Kysely dialect. */
export function messageRepository(
  db: Kysely<Database>,
  afterErase: () => Promise<void> = async () => {},
): MessageRepository {
  const getRow = (accountSid: string, sid: string) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where('sid', '=', sid)
      .where('account_sid', '=', accountSid)
      .executeTakeFirst();

  const repo: MessageRepository = {
    async insert(message, outbox) {
      return inTransaction(db, async (trx) => {
        const { seq } = await trx
          .insertInto('messages')
          .values(rows.messageInsert(message))
          .returning('seq')
          .executeTakeFirstOrThrow();
        const tagRows = Object.entries(message.tags).map(([key, value]) => ({
          account_sid: message.accountSid,
          key,
          value,
          message_seq: Number(seq),
        }));
        if (tagRows.length > 0) await trx.insertInto('message_tags').values(tagRows).execute();
        await trx
          .insertInto('message_events')
          .values({
            message_sid: message.sid,
            status: message.status,
            error_code: null,
            at: message.dateCreated,
          })
          .execute();
        if (outbox) {
          await trx
            .insertInto('outbox')
            .values({
              kind: outbox.kind,
              ref: message.sid,
              payload: '{}',
              run_at: outbox.runAt,
              attempts: 0,
              lease_owner: null,
              lease_until: null,
              created_at: message.dateCreated,
            })
            .execute();
        }
        return { ...message, seq: Number(seq) };
      });
    },

    async get(accountSid, sid) {
      const r = await getRow(accountSid, sid);
      return r && rows.message(r);
    },

    async countRecent({ accountSid, from, to, direction, since }) {
      const r = await db
        .selectFrom('messages')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_sid', '=', accountSid)
        .where('to_addr', '=', to)
        .where('from_addr', '=', from)
        .where('direction', '=', direction)
        .where('date_created', '>=', since)
        .executeTakeFirstOrThrow();
      return Number(r.n);
    },

    async findBySid(sid) {
      const r = await db
        .selectFrom('messages')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && rows.message(r);
    },

    async list(filter, page) {
      const byDateSent = filter.sentFrom !== undefined || filter.sentTo !== undefined;
      const list = await paged(filtered(db, filter), byDateSent, page)
        .selectAll('messages')
        .execute();
      const out = list.map(rows.message);
      return page.direction === 'after' ? out : out.reverse();
    },

    async redact(accountSid, sid, now) {
      const r = await db
        .updateTable('messages')
        .set({ body: '', date_updated: now })
        .where('sid', '=', sid)
        .where('account_sid', '=', accountSid)
        .returningAll()
        .executeTakeFirst();
      if (r && !db.isTransaction) await afterErase();
      return r && rows.message(r);
    },

    async cancel(accountSid, sid, now) {
      if (!(await getRow(accountSid, sid))) return 'not_found';
      return (await repo.transition(sid, { status: 'canceled' }, now, ['scheduled'])) ?? 'conflict';
    },

    async prune({ accountSid, before, keep, limit }) {
      let cutoff: number | undefined;
      if (keep !== undefined) {
        const edge = await db
          .selectFrom('messages')
          .select('seq')
          .where('account_sid', '=', accountSid)
          .orderBy('seq', 'desc')
          .offset(keep)
          .limit(1)
          .executeTakeFirst();
        if (edge) cutoff = Number(edge.seq);
      }
      if (cutoff === undefined && before === undefined) return 0;
      const victims = await db
        .selectFrom('messages')
        .select(['seq', 'sid'])
        .where('account_sid', '=', accountSid)
        .where('status', 'not in', IN_FLIGHT_STATUSES)
        .where((eb) =>
          eb.or([
            ...(cutoff !== undefined ? [eb('seq', '<=', cutoff)] : []),
            ...(before !== undefined ? [eb('date_created', '<', before)] : []),
          ]),
        )
        .orderBy('seq')
        .limit(limit)
        .execute();
      if (victims.length === 0) return 0;
      const seqs = victims.map((v) => Number(v.seq));
      const sids = victims.map((v) => v.sid);
      await inTransaction(db, async (trx) => {
        await trx.deleteFrom('messages').where('seq', 'in', seqs).execute();
        await trx.deleteFrom('message_tags').where('message_seq', 'in', seqs).execute();
        await trx.deleteFrom('media').where('message_sid', 'in', sids).execute();
        await trx.deleteFrom('message_feedback').where('message_sid', 'in', sids).execute();
        await trx.deleteFrom('message_events').where('message_sid', 'in', sids).execute();
        await trx.deleteFrom('sim_deliveries').where('message_sid', 'in', sids).execute();
        await trx.deleteFrom('webhook_attempts').where('order_key', 'in', sids).execute();
        await trx
          .deleteFrom('webhooks')
          .where('order_key', 'in', sids)
          .where('status', '!=', 'pending')
          .execute();
      });
      return victims.length;
    },

    async delete(accountSid, sid) {
      return inTransaction(db, async (trx) => {
        const r = await trx
          .deleteFrom('messages')
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .where('status', 'not in', IN_FLIGHT_STATUSES)
          .returning('seq')
          .executeTakeFirst();
        if (r) {
          await trx.deleteFrom('message_tags').where('message_seq', '=', Number(r.seq)).execute();
          // A deleted message takes its subresources (media bytes, feedback) with it.
          await trx.deleteFrom('media').where('message_sid', '=', sid).execute();
          await trx.deleteFrom('message_feedback').where('message_sid', '=', sid).execute();
          await trx.deleteFrom('message_events').where('message_sid', '=', sid).execute();
          return 'deleted';
        }
        const exists = await trx
          .selectFrom('messages')
          .select('seq')
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .executeTakeFirst();
        return exists ? 'in_progress' : 'not_found';
      });
    },

    async history(sid) {
      const list = await db
        .selectFrom('message_events')
        .select(['status', 'error_code', 'at'])
        .where('message_sid', '=', sid)
        .orderBy('at')
        .orderBy('id')
        .execute();
      return list.map((e) => ({
        status: e.status as MessageStatus,
        errorCode: e.error_code === null ? null : Number(e.error_code),
        at: Number(e.at),
      }));
    },

    async transition(sid, patch, now, expect) {
      // No acceptable status: nothing can match (and `in ()` is a syntax error on PostgreSQL).
      if (expect?.length === 0) return undefined;
      return inTransaction(db, async (trx) => {
        const r = await trx
          .updateTable('messages')
          .set({
            ...(patch.status !== undefined && { status: patch.status }),
            ...(patch.dateSent !== undefined && { date_sent: patch.dateSent }),
            ...(patch.errorCode !== undefined && { error_code: patch.errorCode }),
            ...(patch.errorMessage !== undefined && { error_message: patch.errorMessage }),
            ...(patch.price !== undefined && { price: patch.price }),
            ...(patch.priceUnit !== undefined && { price_unit: patch.priceUnit }),
            ...(patch.from !== undefined && { from_addr: patch.from }),
            ...(patch.numSegments !== undefined && { num_segments: patch.numSegments }),
            ...(patch.carrierRef !== undefined && { carrier_ref: patch.carrierRef }),
            date_updated: now,
          })
          .where('sid', '=', sid)
          .$if(expect !== undefined, (q) => q.where('status', 'in', expect ?? []))
          .returningAll()
          .executeTakeFirst();
        if (r && patch.status !== undefined) {
          await trx
            .insertInto('message_events')
            .values({
              message_sid: sid,
              status: patch.status,
              error_code: patch.errorCode ?? null,
              at: now,
            })
            .execute();
        }
        return r && rows.message(r);
      });
    },
  };
  return repo;
}
