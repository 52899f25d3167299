import type { Kysely, SelectQueryBuilder } from 'kysely';
import { sql, type RawBuilder, type Selectable } from 'kysely';
import type { Database, MessageTable } from '../schema.js';
import type {
  MessageFilter,
  MessageRepository,
  MessageTransitionPatch,
  OutboxEntry,
  PageRequest,
  StoredMessage,
  TransitionItem,
} from '../store.js';
import {
  IN_FLIGHT_STATUSES,
  UNFINISHED_STATUSES,
  type Message,
  type MessageStatus,
} from '../records.js';
import { rows, type Slicer } from './rows.js';
import { inTransaction } from './tx.js';
import type { Batches } from './compiled-rows.js';
import { outboxRow } from './outbox.repo.js';
import { deleteCopies, redactCopies, type MessageCopiesOf } from './message-copies.js';

type MessageQuery = SelectQueryBuilder<Database, 'messages', object>;

/**
 * Applies the list filters. No filter, `To`, `From` and DateSent each seek their own index; since
 * migration 008 a combination (To + From, or either with DateSent) seeks one part's index and
 * checks the rest per row, so its cost grows with how rare the other part is.
 */
function filtered(db: Kysely<Database>, f: MessageFilter): MessageQuery {
  let q = db.selectFrom('messages').where('messages.account_sid', '=', f.accountSid);
  if (f.to !== undefined) q = q.where('to_addr', '=', f.to);
  if (f.from !== undefined) q = q.where('from_addr', '=', f.from);
  if (f.sentFrom !== undefined) q = q.where('date_sent', '>=', f.sentFrom);
  if (f.sentTo !== undefined) q = q.where('date_sent', '<=', f.sentTo);
  for (const [key, value] of f.tags) {
    q = q.where((eb) =>
      eb.exists(
        eb
          .selectFrom('message_tags')
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

/**
 * Folds a DateSent cursor into the filter's date bounds, so the query carries ONE bound per side
 * of `date_sent`. With two (the filter's `date_sent <= to` and the cursor's `date_sent <= at`,
 * or its row value), SQLite seeks the index with the first one it sees and filters the rest: a
 * deep page then walked every row between the window's end and the cursor (25 ms at 1 M
 * messages). PostgreSQL picks the tighter bound itself; folding costs it nothing.
 */
function cursorBounded(f: MessageFilter, page: PageRequest): MessageFilter {
  const at = page.cursor?.at;
  if (at === undefined || (f.sentFrom === undefined && f.sentTo === undefined)) return f;
  return page.direction === 'after'
    ? { ...f, sentTo: Math.min(f.sentTo ?? at, at) }
    : { ...f, sentFrom: Math.max(f.sentFrom ?? at, at) };
}

/**
 * Keyset paging: newest first by seq, or by (date_sent, seq) when a DateSent bound is given.
 * The DateSent keyset is a row-value comparison, which both engines seek in the
 * (…, date_sent, seq) indexes; the filter passed through {@link cursorBounded} first.
 */
function paged(q: MessageQuery, byDateSent: boolean, page: PageRequest): MessageQuery {
  const older = page.direction === 'after';
  const c = page.cursor;
  if (c) {
    if (byDateSent && c.at !== undefined) {
      const at = c.at;
      q = q.where((eb) =>
        eb(eb.refTuple('date_sent', 'seq'), older ? '<' : '>', eb.tuple(at, c.seq)),
      );
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
/** Rows per page of {@link MessageRepository.countRecent}'s newest-first walk. */
const RECENT_PAGE = 64;
/**
 * How far before its window countRecent keeps looking: `seq` follows creation order, but the
 * clocks of several processes sharing a database may differ a little.
 */
const RECENT_SLACK_MS = 1_000;

type NewMessage = { message: Message; outbox?: OutboxEntry };

const hasTags = (m: Message) => Object.keys(m.tags).length > 0;

/** The history row of a message's creation status. */
const createdEvent = ({ message: m }: NewMessage) => ({
  message_sid: m.sid,
  status: m.status,
  error_code: null,
  at: m.dateCreated,
});

/** The outbox rows of the messages that come with a job. */
const jobRows = (items: readonly NewMessage[]) =>
  items.flatMap(({ message: m, outbox: o }) =>
    o
      ? [outboxRow({ kind: o.kind, ref: m.sid, runAt: o.runAt, createdAt: m.dateCreated }, o.lease)]
      : [],
  );

/** Whether some message comes with a leased job (whose id the caller needs back). */
const anyLeased = (items: readonly NewMessage[]) => items.some((i) => i.outbox?.lease);

/** What a batch insert learned: each SID's `seq`, and the job id of each leased job's SID. */
interface Inserted {
  seq: Map<string, number>;
  jobs: Map<string, number>;
}

/**
 * New messages (without tags), their history rows and their jobs in ONE statement
 * (`multiTableInsert`): `WITH m AS (INSERT … RETURNING), e AS (INSERT …), o AS (INSERT …)
 * SELECT … FROM m`. A statement is atomic by itself, so neither BEGIN nor COMMIT is sent: one
 * round trip instead of five for a group commit's batch. Returns the `seq` of each SID, and the
 * job id of each SID that has a job.
 */
async function insertOneStatement(
  db: Kysely<Database>,
  items: readonly NewMessage[],
): Promise<Inserted> {
  const jobs = jobRows(items);
  // An INSERT needs at least one row: the jobs' CTE is there only when some message has one.
  const messagesAndEvents = db
    .with('m', (q) =>
      q
        .insertInto('messages')
        .values(items.map((i) => rows.messageInsert(i.message)))
        .returning(['seq', 'sid']),
    )
    .with('e', (q) => q.insertInto('message_events').values(items.map(createdEvent)));
  const out: Inserted = { seq: new Map(), jobs: new Map() };
  if (jobs.length === 0) {
    const ids = await messagesAndEvents.selectFrom('m').select(['seq', 'sid']).execute();
    for (const r of ids) out.seq.set(r.sid, Number(r.seq));
    return out;
  }
  const ids = await messagesAndEvents
    .with('o', (q) => q.insertInto('outbox').values(jobs).returning(['id', 'ref']))
    .selectFrom('m')
    .leftJoin('o', 'o.ref', 'm.sid')
    .select(['m.seq', 'm.sid', 'o.id as job'])
    .execute();
  for (const r of ids) {
    out.seq.set(r.sid, Number(r.seq));
    if (r.job !== null) out.jobs.set(r.sid, Number(r.job));
  }
  return out;
}

/** The columns of a message its copies are found by (see message-copies.ts). */
const COPIES_COLUMNS = [
  'sid',
  'account_sid',
  'seq',
  'direction',
  'from_addr',
  'to_addr',
  'body',
] as const;

/** {@link COPIES_COLUMNS} of a row as {@link MessageCopiesOf}. */
const copiesRow = (
  r: Pick<Selectable<MessageTable>, (typeof COPIES_COLUMNS)[number]>,
): MessageCopiesOf => ({
  sid: r.sid,
  accountSid: r.account_sid,
  seq: Number(r.seq),
  direction: r.direction,
  from: r.from_addr,
  to: r.to_addr,
  body: r.body,
});

/** The fields of a message its copies are found by (see message-copies.ts). */
async function copiesOf(
  db: Kysely<Database>,
  accountSid: string,
  sid: string,
): Promise<MessageCopiesOf | undefined> {
  const r = await db
    .selectFrom('messages')
    .select(COPIES_COLUMNS)
    .where('sid', '=', sid)
    .where('account_sid', '=', accountSid)
    .executeTakeFirst();
  return r && copiesRow(r);
}

/**
 * What goes with a message whose row was just deleted: its tags, its subresources (media bytes,
 * feedback), its history and every copy (see {@link deleteCopies}). In the deleting transaction.
 */
async function eraseDeleted(trx: Kysely<Database>, m: MessageCopiesOf): Promise<void> {
  await trx.deleteFrom('message_tags').where('message_seq', '=', m.seq).execute();
  await trx.deleteFrom('media').where('message_sid', '=', m.sid).execute();
  await trx.deleteFrom('message_feedback').where('message_sid', '=', m.sid).execute();
  await trx.deleteFrom('message_events').where('message_sid', '=', m.sid).execute();
  await trx.deleteFrom('carrier_parts').where('message_sid', '=', m.sid).execute();
  await deleteCopies(trx, m);
}

/** Why a conditional change matched no row: still in progress, or gone meanwhile (a race). */
async function refusal(
  db: Kysely<Database>,
  accountSid: string,
  sid: string,
): Promise<'in_progress' | 'not_found'> {
  return (await copiesOf(db, accountSid, sid)) ? 'in_progress' : 'not_found';
}

export function messageRepository(
  db: Kysely<Database>,
  { chunks, rows: batch, insert }: Batches,
  afterErase: () => Promise<void> = async () => {},
  oneStatement = false,
): MessageRepository {
  const getRow = (accountSid: string, sid: string) =>
    db
      .selectFrom('messages')
      .selectAll()
      .where('sid', '=', sid)
      .where('account_sid', '=', accountSid)
      .executeTakeFirst();

  /** {@link transitionRows} on this repository's connection and batches. */
  const move = (
    items: TransitionItems,
    now: number,
    expect: readonly MessageStatus[] | undefined,
    full: boolean,
  ) => transitionRows(db, chunks, insert, items, now, expect, full);

  const repo: MessageRepository = {
    async insert(message, outbox) {
      const [stored] = await repo.insertMany([{ message, outbox }]);
      return (stored as StoredMessage).message;
    },

    async insertMany(items) {
      if (items.length === 0) return [];
      const stored = ({ seq, jobs }: Inserted): StoredMessage[] =>
        items.map(({ message: m, outbox: o }) => ({
          message: { ...m, seq: seq.get(m.sid) as number },
          ...(o?.lease && {
            job: {
              id: jobs.get(m.sid) as number,
              kind: o.kind,
              ref: m.sid,
              payload: {},
              runAt: o.runAt,
              attempts: 0,
            },
          }),
        }));
      // One statement for the whole batch where the engine allows it (no tags, one slice).
      if (oneStatement && items.every((i) => !hasTags(i.message))) {
        const [only, more] = chunks(items);
        if (only && !more) return stored(await insertOneStatement(db, only));
      }
      return inTransaction(db, async (trx) => {
        const out: Inserted = { seq: new Map(), jobs: new Map() };
        for (const chunk of chunks(items)) {
          const ids = await batch(
            trx,
            'messages',
            chunk.map((i) => rows.messageInsert(i.message)),
            (values) => trx.insertInto('messages').values(values).returning(['seq', 'sid']),
          );
          // RETURNING order is not guaranteed on either engine: match rows back by SID.
          for (const r of ids) out.seq.set(r.sid, Number(r.seq));
          const tagRows = chunk.flatMap(({ message: m }) =>
            Object.entries(m.tags).map(([key, value]) => ({
              account_sid: m.accountSid,
              key,
              value,
              message_seq: out.seq.get(m.sid) as number,
            })),
          );
          if (tagRows.length > 0) await trx.insertInto('message_tags').values(tagRows).execute();
          await insert(trx, 'message_events', chunk.map(createdEvent));
          const jobs = jobRows(chunk);
          if (jobs.length === 0) continue;
          if (!anyLeased(chunk)) {
            await insert(trx, 'outbox', jobs);
            continue;
          }
          const made = await batch(trx, 'outbox+id', jobs, (values) =>
            trx.insertInto('outbox').values(values).returning(['id', 'ref']),
          );
          for (const r of made) out.jobs.set(r.ref, Number(r.id));
        }
        return stored(out);
      });
    },

    async get(accountSid, sid) {
      const r = await getRow(accountSid, sid);
      return r && rows.message(r);
    },

    async countRecent({ accountSid, from, to, direction, since }) {
      // Newest first along the handset's (account_sid, to_addr, seq) index, a page at a time,
      // stopping at the first page with nothing in the window: the cost follows the handset's
      // recent traffic, not its whole history.
      let n = 0;
      let before: number | undefined;
      for (;;) {
        const page = await db
          .selectFrom('messages')
          .select(['seq', 'from_addr', 'direction', 'date_created'])
          .where('account_sid', '=', accountSid)
          .where('to_addr', '=', to)
          .$if(before !== undefined, (q) => q.where('seq', '<', before as number))
          .orderBy('seq', 'desc')
          .limit(RECENT_PAGE)
          .execute();
        let inWindow = false;
        for (const r of page) {
          const at = Number(r.date_created);
          if (at >= since - RECENT_SLACK_MS) inWindow = true;
          if (at >= since && r.from_addr === from && r.direction === direction) n++;
        }
        // A whole page from before the window ends the walk (one stray back-dated row does not).
        const last = page.at(-1);
        if (page.length < RECENT_PAGE || !last || !inWindow) return n;
        before = Number(last.seq);
      }
    },

    async findBySid(sid) {
      const r = await db
        .selectFrom('messages')
        .selectAll()
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && rows.message(r);
    },

    async findManyBySid(sids) {
      const out: Message[] = [];
      for (const chunk of chunks(sids)) {
        const list = await db
          .selectFrom('messages')
          .selectAll()
          .where('sid', 'in', chunk)
          .execute();
        for (const r of list) out.push(rows.message(r));
      }
      return out;
    },

    async list(filter, page) {
      const byDateSent = filter.sentFrom !== undefined || filter.sentTo !== undefined;
      const list = await paged(filtered(db, cursorBounded(filter, page)), byDateSent, page)
        .selectAll('messages')
        .execute();
      const out = list.map(rows.message);
      return page.direction === 'after' ? out : out.reverse();
    },

    async redact(accountSid, sid, now) {
      const out = await inTransaction(db, async (trx) => {
        const before = await copiesOf(trx, accountSid, sid);
        if (!before) return 'not_found';
        // Not yet with the carrier: a redaction would leave the original to be sent (refused).
        const r = await trx
          .updateTable('messages')
          .set({ body: '', date_updated: now })
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .where('status', 'not in', IN_FLIGHT_STATUSES)
          .returningAll()
          .executeTakeFirst();
        if (!r) return refusal(trx, accountSid, sid);
        await redactCopies(trx, before);
        return rows.message(r);
      });
      if (typeof out === 'object' && !db.isTransaction) await afterErase();
      return out;
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
        await trx.deleteFrom('carrier_parts').where('message_sid', 'in', sids).execute();
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
      const outcome = await inTransaction(db, async (trx) => {
        const before = await copiesOf(trx, accountSid, sid);
        if (!before) return 'not_found';
        const r = await trx
          .deleteFrom('messages')
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .where('status', 'not in', UNFINISHED_STATUSES)
          .returning('seq')
          .executeTakeFirst();
        if (!r) return refusal(trx, accountSid, sid);
        await eraseDeleted(trx, before);
        return 'deleted';
      });
      if (outcome === 'deleted' && !db.isTransaction) await afterErase();
      return outcome;
    },

    async deleteFinished(accountSid, limit) {
      const n = await inTransaction(db, async (trx) => {
        const victims = await trx
          .selectFrom('messages')
          .select(COPIES_COLUMNS)
          .where('account_sid', '=', accountSid)
          .where('status', 'not in', UNFINISHED_STATUSES)
          .orderBy('seq')
          .limit(limit)
          .execute();
        for (const v of victims) {
          // Oldest first: a TwiML reply's inbound origin has gone before the reply looks for it.
          const r = await trx
            .deleteFrom('messages')
            .where('seq', '=', v.seq)
            .where('status', 'not in', UNFINISHED_STATUSES)
            .executeTakeFirst();
          if (Number(r.numDeletedRows) > 0) await eraseDeleted(trx, copiesRow(v));
        }
        return victims.length;
      });
      if (n > 0 && !db.isTransaction) await afterErase();
      return n;
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
        status: e.status,
        errorCode: e.error_code === null ? null : Number(e.error_code),
        at: Number(e.at),
      }));
    },

    async transition(sid, patch, now, expect) {
      const r = (await move([{ sid, patch }], now, expect, true)).get(sid);
      return r && rows.message(r);
    },

    async transitionMany(items, now, expect) {
      const moved = await move(items, now, expect, true);
      return [...moved.values()].flatMap((r) => (r ? [rows.message(r)] : []));
    },

    async transitionManySids(items, now, expect) {
      return new Set((await move(items, now, expect, false)).keys());
    },
  };
  return repo;
}

type PatchField = keyof MessageTransitionPatch;
type TransitionItems = ReadonlyArray<TransitionItem>;

/**
 * The statements behind every transition (`expect` undefined: from any status): per set of patched fields, an `IN` list when every
 * item sets the same values (one step of a batch), else a VALUES list joined on the SID; then
 * the history rows in item order. Returns the moved SIDs, with their rows when `full`.
 */
async function transitionRows(
  db: Kysely<Database>,
  chunks: Slicer,
  insert: Batches['insert'],
  items: TransitionItems,
  now: number,
  expect: readonly MessageStatus[] | undefined,
  full: boolean,
): Promise<Map<string, Selectable<MessageTable> | undefined>> {
  const moved = new Map<string, Selectable<MessageTable> | undefined>();
  // No acceptable status: nothing can match (and `in ()` is a syntax error on PostgreSQL).
  if (items.length === 0 || expect?.length === 0) return moved;
  const seen = new Set<string>();
  const unique = items.filter((i) => !seen.has(i.sid) && !!seen.add(i.sid));
  const groups = new Map<string, { fields: PatchField[]; items: TransitionItems[number][] }>();
  for (const item of unique) {
    const fields = PATCH_FIELDS.filter((f) => item.patch[f] !== undefined);
    const key = fields.join(',');
    const g = groups.get(key) ?? { fields, items: [] };
    g.items.push(item);
    groups.set(key, g);
  }
  const returning = sql.raw(full ? RETURNING : 'messages.sid');
  const inStatus =
    expect === undefined ? sql`` : sql`and messages.status in (${sql.join([...expect])})`;
  return inTransaction(db, async (trx) => {
    for (const { fields, items: group } of groups.values()) {
      const first = group[0]?.patch ?? {};
      const uniform = group.every((i) => fields.every((f) => i.patch[f] === first[f]));
      for (const chunk of chunks(group)) {
        const sets = (value: (f: PatchField) => RawBuilder<unknown>) =>
          sql.join([
            ...fields.map((f) => sql`${sql.raw(PATCH_COLUMNS[f][0])} = ${value(f)}`),
            sql`date_updated = ${now}`,
          ]);
        const r = uniform
          ? await sql<Selectable<MessageTable>>`update messages
              set ${sets((f) => sql`${first[f] ?? null}`)}
              where messages.sid in (${sql.join(chunk.map((i) => i.sid))})
              ${inStatus}
              returning ${returning}`.execute(trx)
          : await sql<Selectable<MessageTable>>`with v(${sql.raw(
              ['sid', ...fields.map((f) => PATCH_COLUMNS[f][0])].join(', '),
            )}) as (values ${sql.join(
              chunk.map(
                (i) =>
                  sql`(${sql.join([
                    sql`cast(${i.sid} as text)`,
                    ...fields.map(
                      (f) => sql`cast(${i.patch[f] ?? null} as ${sql.raw(PATCH_COLUMNS[f][1])})`,
                    ),
                  ])})`,
              ),
            )})
              update messages set ${sets((f) => sql.raw(`v.${PATCH_COLUMNS[f][0]}`))} from v
              where messages.sid = v.sid ${inStatus}
              returning ${returning}`.execute(trx);
        for (const row of r.rows) moved.set(row.sid, full ? row : undefined);
      }
    }
    // History in item order, so a batch keeps each message's events in sequence.
    const events = unique
      .filter((i) => i.patch.status !== undefined && moved.has(i.sid))
      .flatMap((i) => [
        ...(i.via ?? []).map((status) => ({
          message_sid: i.sid,
          status,
          error_code: null,
          at: now,
        })),
        {
          message_sid: i.sid,
          status: i.patch.status as MessageStatus,
          error_code: i.patch.errorCode ?? null,
          at: now,
        },
      ]);
    for (const chunk of chunks(events)) await insert(trx, 'message_events', chunk);
    return moved;
  });
}

/** Patchable fields: column and SQL type (VALUES rows carry no column types on PostgreSQL). */
const PATCH_COLUMNS: Record<PatchField, [string, string]> = {
  status: ['status', 'text'],
  dateSent: ['date_sent', 'bigint'],
  errorCode: ['error_code', 'integer'],
  errorMessage: ['error_message', 'text'],
  price: ['price', 'text'],
  priceUnit: ['price_unit', 'text'],
  from: ['from_addr', 'text'],
  numSegments: ['num_segments', 'integer'],
  carrierRef: ['carrier_ref', 'text'],
};
const PATCH_FIELDS = Object.keys(PATCH_COLUMNS) as PatchField[];

/** Every message column, qualified (SQLite refuses `messages.*` in RETURNING; PostgreSQL's `*`
 * would add the VALUES columns). */
const RETURNING = [
  'seq',
  'sid',
  'account_sid',
  'direction',
  'status',
  'from_addr',
  'to_addr',
  'body',
  'num_segments',
  'num_media',
  'messaging_service_sid',
  'error_code',
  'error_message',
  'price',
  'price_unit',
  'date_created',
  'date_updated',
  'date_sent',
  'send_at',
  'status_callback',
  'tags',
  'options',
  'carrier_ref',
]
  .map((c) => `messages.${c}`)
  .join(', ');
