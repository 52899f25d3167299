import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { encodeToken, pageEnvelope, readPageParams, requirePageToken } from '../http/paging.js';
import {
  cursorOf,
  listMessages,
  parseCursor,
  readMessageFilter,
} from '../messages/messages.list.js';
import { toMessageJson } from '../messages/messages.mapper.js';
import type { Message, MessageStatus } from '../store/records.js';
import type { Cursor, Store } from '../store/store.js';

/** Every status a message can have (Twilio's Message resource). */
export const MESSAGE_STATUSES: readonly MessageStatus[] = [
  'queued',
  'sending',
  'sent',
  'failed',
  'delivered',
  'undelivered',
  'receiving',
  'received',
  'accepted',
  'scheduled',
  'read',
  'partially_delivered',
  'canceled',
];

/** Messages read per store query while a filtered page is gathered. */
const CHUNK = 500;
/** Most messages one filtered page reads before it answers with what it found. */
export const SCAN_BUDGET = 10_000;

/** A filter applied to each message in memory (the store indexes none of them). */
export type MessagePredicate = (m: Message) => boolean;

/**
 * The console's filters beyond the API's: `Status` (one or several, comma-separated),
 * `Direction` (`inbound`, `outbound` for every outbound kind, or an exact direction) and `Body`
 * (a case-insensitive substring). Undefined when none is given.
 */
export function readExtraFilter(params: FormParams): MessagePredicate | undefined {
  const tests: MessagePredicate[] = [];
  const status = single(params, 'Status');
  if (status) {
    const wanted = new Set(status.split(',').map((s) => s.trim().toLowerCase()));
    for (const s of wanted) {
      if (!MESSAGE_STATUSES.includes(s as MessageStatus)) {
        throw badRequest(20001, `Invalid Status '${s}': one of ${MESSAGE_STATUSES.join(', ')}`);
      }
    }
    tests.push((m) => wanted.has(m.status));
  }
  const direction = single(params, 'Direction');
  if (direction) {
    const d = direction.toLowerCase();
    const ok = ['inbound', 'outbound', 'outbound-api', 'outbound-reply', 'outbound-call'];
    if (!ok.includes(d)) throw badRequest(20001, `Invalid Direction '${direction}'`);
    tests.push(d === 'outbound' ? (m) => m.direction !== 'inbound' : (m) => m.direction === d);
  }
  const body = single(params, 'Body');
  if (body) {
    if (body.length > 200) throw badRequest(20001, 'Body filter is longer than 200 characters');
    const needle = body.toLowerCase();
    tests.push((m) => (m.body ?? '').toLowerCase().includes(needle));
  }
  if (tests.length === 0) return undefined;
  return (m) => tests.every((t) => t(m));
}

/** The live feed's starting point: newer than this message position. */
export const liveToken = (seq: number): string => encodeToken('before', String(seq));

const FILTER_KEYS = [
  'To',
  'From',
  'DateSent',
  'DateSent<',
  'DateSent>',
  'Tags',
  'Status',
  'Direction',
  'Body',
] as const;

/**
 * `GET /loft/v1/Accounts/{AC}/Messages`: the API's message list (same filters, same keyset
 * `PageToken`, same envelope) plus `Status`, `Direction` and `Body`. Those are applied to the
 * messages the API's filters select, newest first; a page reads at most {@link SCAN_BUDGET}
 * of them, so a page costs the same at any depth even when few match: when the budget runs out
 * first, the page holds the matches found so far and its `next_page_uri` continues the search
 * from where it stopped (`scanned` says how many were read). A first page without DateSent
 * filters also returns `live_token`, the `After` of `…/Messages/Stream` that continues it.
 */
export async function consoleMessages(
  store: Store,
  accountSid: string,
  path: string,
  params: FormParams,
): Promise<Record<string, unknown>> {
  const keep = readExtraFilter(params);
  const filter = readMessageFilter(accountSid, params);
  const byDateSent = filter.sentFrom !== undefined || filter.sentTo !== undefined;
  const paging = readPageParams(params);
  const live = paging.token === undefined && !byDateSent;
  // A later page without console filters is the API's page as it is (PB tokens included).
  if (!keep && paging.token) return listMessages(store, accountSid, path, params);
  requirePageToken(paging);
  const token = paging.token;
  if (token?.direction === 'before') {
    // Only reached with console filters (else the API's list answered above).
    throw badRequest(20001, 'Status, Direction and Body lists page forward only (PA tokens)');
  }
  let cursor: Cursor | undefined = token && parseCursor(token.position, byDateSent);
  const found: Message[] = [];
  let scanned = 0;
  let newest: number | undefined;
  let last: Message | undefined;
  let end = false;
  const wanted = keep ?? (() => true);
  while (found.length <= paging.pageSize && scanned < SCAN_BUDGET) {
    // The first read is the API's (a page and one more); later ones, when filtering, bigger.
    const limit = scanned === 0 ? paging.pageSize + 1 : Math.min(CHUNK, SCAN_BUDGET - scanned);
    const rows = await store.messages.list(filter, {
      limit,
      direction: 'after',
      ...(cursor && { cursor }),
    });
    newest ??= rows[0]?.seq ?? 0;
    for (const r of rows) {
      scanned++;
      last = r;
      if (wanted(r) && found.push(r) > paging.pageSize) break;
    }
    if (rows.length < limit && found.length <= paging.pageSize) {
      end = true;
      break;
    }
    if (last) cursor = parseCursor(cursorOf(last, byDateSent), byDateSent);
  }
  const items = found.slice(0, paging.pageSize);
  // More matches found than the page holds: continue after its last one; budget spent: after
  // the last message read.
  const resume = found.length > paging.pageSize ? items[items.length - 1] : end ? undefined : last;
  const filters = FILTER_KEYS.flatMap((k) => {
    const v = single(params, k);
    return v ? [[k, v] as const] : [];
  });
  return {
    ...pageEnvelope({
      key: 'messages',
      path,
      filters,
      params: paging,
      items: items.map(toMessageJson),
      nextToken: resume ? encodeToken('after', cursorOf(resume, byDateSent)) : undefined,
    }),
    ...(live && { live_token: liveToken(newest ?? 0) }),
    scanned,
  };
}
