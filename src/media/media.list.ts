import { parseDateFilter, type TimeRange } from '../http/dates.js';
import { badRequest } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import type { MediaFilter, Store } from '../store/store.js';
import { toMediaJson } from './media.mapper.js';

/** The list filters in the order Twilio repeats them in page URIs. */
const FILTER_KEYS = ['DateCreated', 'DateCreated<', 'DateCreated>'] as const;

const DAY_MS = 86_400_000;

function dateBound(key: string, value: string): TimeRange {
  const range = parseDateFilter(value);
  if (!range) {
    throw badRequest(20001, `Invalid ${key} '${value}': use YYYY-MM-DD or an ISO-8601 date-time`);
  }
  return range;
}

/**
 * Reads `DateCreated` (a whole UTC day), `DateCreated<` (on or before) and `DateCreated>` (on or
 * after), the same way as DateSent on Messages. Bounds are inclusive.
 */
export function readMediaFilter(
  accountSid: string,
  messageSid: string,
  params: FormParams,
): MediaFilter {
  const filter: MediaFilter = { accountSid, messageSid };
  const on = single(params, 'DateCreated');
  const before = single(params, 'DateCreated<');
  const after = single(params, 'DateCreated>');
  if (on) {
    const day = Math.floor(dateBound('DateCreated', on).from / DAY_MS) * DAY_MS;
    filter.createdFrom = day;
    filter.createdTo = day + DAY_MS - 1;
  }
  if (after) {
    const from = dateBound('DateCreated>', after).from;
    filter.createdFrom = Math.max(filter.createdFrom ?? -Infinity, from);
  }
  if (before) {
    const to = dateBound('DateCreated<', before).to;
    filter.createdTo = Math.min(filter.createdTo ?? Infinity, to);
  }
  return filter;
}

/** `GET …/Messages/{MessageSid}/Media.json`: a message's media in MediaUrl order, offset-paged. */
export async function listMedia(
  store: Store,
  accountSid: string,
  messageSid: string,
  path: string,
  params: FormParams,
): Promise<Record<string, unknown>> {
  const paging = readPageParams(params);
  const filter = readMediaFilter(accountSid, messageSid, params);
  const { offset, limit } = offsetPaging(paging);
  const rows = await store.media.list(filter, { offset, limit });
  const filters = FILTER_KEYS.flatMap((k) => {
    const v = single(params, k);
    return v ? [[k, v] as const] : [];
  });
  return offsetEnvelope('media_list', path, filters, paging, offset, rows.map(toMediaJson));
}
