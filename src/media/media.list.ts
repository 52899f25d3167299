import { dateFilterBound as dateBound, dayOrWider } from '../http/dates.js';
import { single, type FormParams } from '../http/form.js';
import { offsetEnvelope, offsetPaging, readPageParams } from '../http/paging.js';
import type { MediaFilter, Store } from '../store/store.js';
import { toMediaJson } from './media.mapper.js';

/** The list filters in the order Twilio repeats them in page URIs. */
const FILTER_KEYS = ['DateCreated', 'DateCreated<', 'DateCreated>'] as const;

/**
 * Reads `DateCreated` (the year, month or UTC day it names), `DateCreated<` (on or before) and `DateCreated>` (on or
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
    // What its value names (a year, month or day; a date-time: its UTC day), as DateSent.
    const range = dayOrWider(dateBound('DateCreated', on));
    filter.createdFrom = range.from;
    filter.createdTo = range.to;
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
