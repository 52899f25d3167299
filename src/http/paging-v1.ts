import { encodeToken, type PageParams } from './paging.js';

/** Everything needed to render one page of a Twilio v1 (non-2010) list. */
export interface V1PageInput<T> {
  /** The single list key, also echoed as `meta.key`: `services`, `phone_numbers`… */
  key: string;
  /** The absolute list URL without query, e.g. `http://127.0.0.1:3000/v1/Services`. */
  url: string;
  /** Filters to repeat in every page URL, in wire order (keys unencoded). */
  filters: ReadonlyArray<readonly [string, string]>;
  params: PageParams;
  /** Offset of the first row (from `Page` or the `PageToken`). */
  offset: number;
  /** Up to pageSize + 1 rows (the extra one tells that a next page exists). */
  rows: T[];
}

const enc = (s: string): string => encodeURIComponent(s);

/**
 * Twilio's v1 page envelope over an offset-paged collection: `{ <key>: [...], meta: { page,
 * page_size, first_page_url, previous_page_url, url, next_page_url, key } }` with ABSOLUTE URLs.
 * The SDKs follow `meta.next_page_url` verbatim (they do not re-base it on their domain), so
 * `url` must already name this server. The `PageToken` carries the offset of the target page.
 */
export function offsetEnvelopeV1<T>(input: V1PageInput<T>): Record<string, unknown> {
  const { params, offset, rows } = input;
  const hasMore = rows.length > params.pageSize;
  const items = hasMore ? rows.slice(0, params.pageSize) : rows;
  const pageUrl = (page: number, token?: string): string => {
    const parts = input.filters.map(([k, v]) => `${enc(k)}=${enc(v)}`);
    parts.push(`PageSize=${params.pageSize}`, `Page=${page}`);
    if (token !== undefined) parts.push(`PageToken=${enc(token)}`);
    return `${input.url}?${parts.join('&')}`;
  };
  const previousOffset = Math.max(0, offset - params.pageSize);
  return {
    [input.key]: items,
    meta: {
      page: params.page,
      page_size: params.pageSize,
      first_page_url: pageUrl(0),
      previous_page_url:
        offset > 0 && params.page > 0
          ? pageUrl(params.page - 1, encodeToken('after', String(previousOffset)))
          : null,
      url: pageUrl(params.page, params.rawToken),
      next_page_url: hasMore
        ? pageUrl(params.page + 1, encodeToken('after', String(offset + params.pageSize)))
        : null,
      key: input.key,
    },
  };
}
