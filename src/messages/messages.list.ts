import { dateFilterBound as dateBound, dayOrWider } from '../http/dates.js';
import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { encodeToken, pageEnvelope, readPageParams, requirePageToken } from '../http/paging.js';
import type { Cursor, MessageFilter, Store } from '../store/store.js';
import type { Message } from '../store/records.js';
import { parseTags } from './tags.js';
import { toMessageJson } from './messages.mapper.js';

/** The list filters in the order Twilio repeats them in page URIs. */
const FILTER_KEYS = ['To', 'From', 'DateSent', 'DateSent<', 'DateSent>', 'Tags'] as const;

/**
 * Reads the list filters. DateSent bounds are inclusive and UTC: `DateSent>` from the start of
 * what its value names, `DateSent<` to its end (`DateSent<=2020` includes all of 2020).
 */
export function readMessageFilter(accountSid: string, params: FormParams): MessageFilter {
  const filter: MessageFilter = { accountSid, tags: [] };
  const to = single(params, 'To');
  if (to) filter.to = to;
  const from = single(params, 'From');
  if (from) filter.from = from;
  const on = single(params, 'DateSent');
  const before = single(params, 'DateSent<');
  const after = single(params, 'DateSent>');
  const bounds: { from?: number; to?: number } = {};
  // DateSent selects what its value names (a year, month or day; a date-time: its UTC day).
  if (on) Object.assign(bounds, dayOrWider(dateBound('DateSent', on)));
  if (after) bounds.from = Math.max(bounds.from ?? -Infinity, dateBound('DateSent>', after).from);
  if (before) bounds.to = Math.min(bounds.to ?? Infinity, dateBound('DateSent<', before).to);
  if (bounds.from !== undefined) filter.sentFrom = bounds.from;
  if (bounds.to !== undefined) filter.sentTo = bounds.to;
  filter.tags = Object.entries(parseTags(single(params, 'Tags')));
  return filter;
}

/** A message's position in its list ordering, as a page token carries it. */
export const cursorOf = (m: Message, byDateSent: boolean): string =>
  byDateSent ? `${m.dateSent ?? 0}.${m.seq}` : String(m.seq);

/** The keyset position a page token carries; 400 when it belongs to another ordering. */
export function parseCursor(position: string, byDateSent: boolean): Cursor {
  const m = /^(?:(-?\d{1,15})\.)?(\d{1,15})$/.exec(position);
  // A token carries the ordering it was made for: a DateSent page's token has a timestamp.
  if (!m || (m[1] !== undefined) !== byDateSent) {
    throw badRequest(20001, 'Invalid PageToken: it does not belong to this list and filters');
  }
  return m[1] !== undefined ? { at: Number(m[1]), seq: Number(m[2]) } : { seq: Number(m[2]) };
}

/**
 * `GET …/Messages.json`: newest first, keyset-paged. `PageToken` carries the position of the
 * last (PA) or first (PB) row seen, so new messages never shift later pages; a page costs one
 * index range scan whatever its depth. `Page` above 0 without a token is a 400, as on Twilio.
 */
export async function listMessages(
  store: Store,
  accountSid: string,
  path: string,
  params: FormParams,
): Promise<Record<string, unknown>> {
  const paging = readPageParams(params);
  requirePageToken(paging);
  const filter = readMessageFilter(accountSid, params);
  const byDateSent = filter.sentFrom !== undefined || filter.sentTo !== undefined;
  const token = paging.token;
  const rows = await store.messages.list(filter, {
    limit: paging.pageSize + 1,
    direction: token?.direction ?? 'after',
    ...(token && { cursor: parseCursor(token.position, byDateSent) }),
  });
  const backwards = token?.direction === 'before';
  // One extra row tells whether another page exists in the direction of travel.
  const more = rows.length > paging.pageSize;
  const items = more ? (backwards ? rows.slice(1) : rows.slice(0, paging.pageSize)) : rows;
  const first = items[0];
  const last = items[items.length - 1];
  const hasOlder = backwards ? true : more;
  const hasNewer = backwards ? more : token !== undefined;
  const filters = FILTER_KEYS.flatMap((k) => {
    const v = single(params, k);
    return v ? [[k, v] as const] : [];
  });
  return pageEnvelope({
    key: 'messages',
    path,
    filters,
    params: paging,
    items: items.map(toMessageJson),
    nextToken: hasOlder && last ? encodeToken('after', cursorOf(last, byDateSent)) : undefined,
    previousToken:
      hasNewer && first ? encodeToken('before', cursorOf(first, byDateSent)) : undefined,
  });
}
