import type { Kysely, Selectable } from 'kysely';
import type { Database, MediaTable } from '../schema.js';
import type { MediaRecord, MediaRepository } from '../store.js';
import { inTransaction } from './tx.js';

type MediaRow = Omit<Selectable<MediaTable>, 'content'>;

// Every column but the bytes: listings and fetches never load content.
const META = [
  'sid',
  'account_sid',
  'message_sid',
  'position',
  'content_type',
  'size',
  'source_url',
  'date_created',
  'date_updated',
] as const;

const toMedia = (r: MediaRow): MediaRecord => ({
  sid: r.sid,
  accountSid: r.account_sid,
  messageSid: r.message_sid,
  position: Number(r.position),
  contentType: r.content_type,
  size: Number(r.size),
  sourceUrl: r.source_url,
  dateCreated: Number(r.date_created),
  dateUpdated: Number(r.date_updated),
});

// better-sqlite3 binds Buffers but not bare Uint8Arrays; pg accepts both.
const asBuffer = (b: Uint8Array): Buffer =>
  Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);

/** Media of messages on any Kysely dialect. */
export function mediaRepository(
  db: Kysely<Database>,
  afterErase: () => Promise<void> = async () => {},
): MediaRepository {
  const scoped = (accountSid: string, messageSid: string) =>
    db
      .selectFrom('media')
      .where('account_sid', '=', accountSid)
      .where('message_sid', '=', messageSid);

  return {
    async insertMany(media) {
      if (media.length === 0) return;
      await inTransaction(db, (trx) =>
        trx
          .insertInto('media')
          .values(
            media.map((m) => ({
              sid: m.sid,
              account_sid: m.accountSid,
              message_sid: m.messageSid,
              position: m.position,
              content_type: m.contentType,
              size: m.size,
              content: asBuffer(m.content),
              source_url: m.sourceUrl,
              date_created: m.dateCreated,
              date_updated: m.dateUpdated,
            })),
          )
          .execute(),
      );
    },

    async list(filter, page) {
      let q = scoped(filter.accountSid, filter.messageSid).select(META);
      if (filter.createdFrom !== undefined) q = q.where('date_created', '>=', filter.createdFrom);
      if (filter.createdTo !== undefined) q = q.where('date_created', '<=', filter.createdTo);
      const rows = await q
        .orderBy('date_created', 'asc')
        .orderBy('position', 'asc')
        .orderBy('sid', 'asc')
        .limit(page.limit)
        .offset(page.offset)
        .execute();
      return rows.map(toMedia);
    },

    async get(accountSid, messageSid, sid) {
      const r = await scoped(accountSid, messageSid)
        .select(META)
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && toMedia(r);
    },

    async getContent(accountSid, messageSid, sid) {
      const r = await scoped(accountSid, messageSid)
        .select([...META, 'content'])
        .where('sid', '=', sid)
        .executeTakeFirst();
      return r && { media: toMedia(r), content: asBuffer(r.content) };
    },

    async fill(files) {
      if (files.length === 0) return 0;
      return inTransaction(db, async (trx) => {
        let n = 0;
        for (const f of files) {
          const r = await trx
            .updateTable('media')
            .set({
              content_type: f.contentType,
              size: f.size,
              content: asBuffer(f.content),
              date_updated: f.dateUpdated,
            })
            .where('sid', '=', f.sid)
            .where('size', '=', 0)
            .executeTakeFirst();
          n += Number(r.numUpdatedRows);
        }
        return n;
      });
    },

    async delete(accountSid, messageSid, sid) {
      const deleted = await inTransaction(db, async (trx) => {
        const r = await trx
          .deleteFrom('media')
          .where('sid', '=', sid)
          .where('account_sid', '=', accountSid)
          .where('message_sid', '=', messageSid)
          .executeTakeFirst();
        if (Number(r.numDeletedRows) === 0) return false;
        // num_media counts the Media list: one fewer, in the same transaction (an atomic
        // decrement, so concurrent deletes of one message's media cannot lose one).
        await trx
          .updateTable('messages')
          .set((eb) => ({ num_media: eb('num_media', '-', 1) }))
          .where('sid', '=', messageSid)
          .where('account_sid', '=', accountSid)
          .where('num_media', '>', 0)
          .execute();
        return true;
      });
      // Like a redaction, a deleted file should leave no bytes behind (WAL page images).
      if (deleted && !db.isTransaction) await afterErase();
      return deleted;
    },

    async deleteForMessage(messageSid) {
      const r = await db
        .deleteFrom('media')
        .where('message_sid', '=', messageSid)
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    },
  };
}
