import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { WebhookParams } from '../store.js';

/** What erasing a message's copies needs to know of it (its row before the change). */
export interface MessageCopiesOf {
  sid: string;
  accountSid: string;
  seq: number;
  direction: string;
  from: string | null;
  to: string;
  /** The original text: response excerpts quoting it are dropped. */
  body: string | null;
}

/** How many of the handset's latest inbound messages may be a TwiML reply's origin. */
const REPLY_ORIGINS = 5;

const xmlEscaped = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** Whether `text` holds `body`, as is, XML-escaped (TwiML) or form-encoded. */
const quotes = (text: string | null, body: string): boolean =>
  text !== null &&
  body !== '' &&
  [body, xmlEscaped(body), encodeURIComponent(body)].some((form) => text.includes(form));

/** The parameters with `Body` emptied; undefined when there was nothing to empty. */
function withoutBody(json: string): string | undefined {
  const params = JSON.parse(json) as WebhookParams;
  if (params['Body'] === undefined || params['Body'] === '') return undefined;
  return JSON.stringify({ ...params, Body: '' });
}

/** A webhook URL with the value of its `Body` query parameter (GET webhooks) emptied. */
const urlWithoutBody = (url: string): string => url.replace(/([?&]Body=)[^&#]*/g, '$1');

/**
 * Empties the text wherever a message's copies hold it: its handset inbox entry, the `Body` of
 * its webhooks (inbound webhooks carry it), and in their attempt log the parameters, the GET
 * query string and any response excerpt quoting it. For a TwiML reply, the excerpt of the
 * answer it came from is dropped too (the inbound message's attempt, found among the handset's
 * latest inbound messages to the replying number). Run inside the redacting transaction.
 */
export async function redactCopies(trx: Kysely<Database>, m: MessageCopiesOf): Promise<void> {
  await forgetFingerprint(trx, m.sid);
  await trx
    .updateTable('sim_deliveries')
    .set({ body: '' })
    .where('message_sid', '=', m.sid)
    .execute();
  const webhooks = await trx
    .selectFrom('webhooks')
    .select(['id', 'params'])
    .where('order_key', '=', m.sid)
    .execute();
  for (const w of webhooks) {
    const params = withoutBody(w.params);
    if (params !== undefined) {
      await trx.updateTable('webhooks').set({ params }).where('id', '=', w.id).execute();
    }
  }
  await scrubAttempts(trx, [m.sid], m.body ?? '', true);
  const origins = await replyOrigins(trx, m);
  if (origins.length > 0) await scrubAttempts(trx, origins, m.body ?? '', false);
}

/**
 * Deletes a message's copies: its handset inbox entry, its webhooks (queued ones included)
 * and attempt log, and its own jobs; for a TwiML reply, drops the excerpt of
 * the answer it came from (see {@link redactCopies}). Run inside the deleting transaction.
 */
export async function deleteCopies(trx: Kysely<Database>, m: MessageCopiesOf): Promise<void> {
  await forgetFingerprint(trx, m.sid);
  await trx.deleteFrom('sim_deliveries').where('message_sid', '=', m.sid).execute();
  // A webhook's place in the queue is its own row.
  await trx.deleteFrom('webhooks').where('order_key', '=', m.sid).execute();
  await trx.deleteFrom('outbox').where('ref', '=', m.sid).execute();
  await trx.deleteFrom('webhook_attempts').where('order_key', '=', m.sid).execute();
  const origins = await replyOrigins(trx, m);
  if (origins.length > 0) await scrubAttempts(trx, origins, m.body ?? '', false);
}

/**
 * Drops the fingerprint of the create's `Idempotency-Key`, a hash of its parameters (a short
 * text, a code, could be found from it). The key itself stays until it expires, so a retried
 * create still answers the original message (or, deleted, that it is gone) instead of sending.
 */
async function forgetFingerprint(trx: Kysely<Database>, messageSid: string): Promise<void> {
  await trx
    .updateTable('idempotency_keys')
    .set({ fingerprint: null })
    .where('message_sid', '=', messageSid)
    .execute();
}

/**
 * The inbound messages a TwiML reply may answer: the latest few from its recipient to its
 * sender before it (a reply is created while its inbound message's webhook is answered). A
 * reply sent elsewhere with `<Message to="…">` is not traced back.
 */
async function replyOrigins(trx: Kysely<Database>, m: MessageCopiesOf): Promise<string[]> {
  if (m.direction !== 'outbound-reply' || m.from === null || !m.body) return [];
  const rows = await trx
    .selectFrom('messages')
    .select('sid')
    .where('account_sid', '=', m.accountSid)
    .where('to_addr', '=', m.from)
    .where('from_addr', '=', m.to)
    .where('direction', '=', 'inbound')
    .where('seq', '<', m.seq)
    .orderBy('seq', 'desc')
    .limit(REPLY_ORIGINS)
    .execute();
  return rows.map((r) => r.sid);
}

/**
 * Rewrites the attempt log rows of the given order keys: excerpts quoting `body` are dropped;
 * with `own` (the message's own webhooks), the `Body` parameter and query value are emptied.
 */
async function scrubAttempts(
  trx: Kysely<Database>,
  orderKeys: readonly string[],
  body: string,
  own: boolean,
): Promise<void> {
  const attempts = await trx
    .selectFrom('webhook_attempts')
    .select(['id', 'params', 'url', 'response_excerpt'])
    .where('order_key', 'in', orderKeys)
    .execute();
  for (const a of attempts) {
    const params = own ? withoutBody(a.params) : undefined;
    const url = own ? urlWithoutBody(a.url) : a.url;
    const excerpt = quotes(a.response_excerpt, body) ? null : a.response_excerpt;
    if (params === undefined && url === a.url && excerpt === a.response_excerpt) continue;
    await trx
      .updateTable('webhook_attempts')
      .set({ params: params ?? a.params, url, response_excerpt: excerpt })
      .where('id', '=', a.id)
      .execute();
  }
}
