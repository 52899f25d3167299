import { badRequest } from './errors.js';
import { single, type FormParams } from './form.js';

/** Twilio's default page size, and the clamp applied to larger requests. */
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

/** The paging parameters of a list request, validated. */
export interface PageParams {
  pageSize: number;
  page: number;
  /** The decoded `PageToken`, when one was sent. */
  token?: PageToken;
  /** The raw token as received, echoed in the page's `uri`. */
  rawToken?: string;
}

/** A decoded page token: direction plus an opaque position (`PA` = after, `PB` = before). */
export interface PageToken {
  direction: 'after' | 'before';
  position: string;
}

const INTEGER = /^\d+$/;

/**
 * Reads `PageSize`, `Page` and `PageToken`. PageSize defaults to 50 and is clamped to 1000
 * (the SDKs send `limit` as PageSize unclamped); below 1 or non-numeric is a 400.
 */
export function readPageParams(params: FormParams): PageParams {
  const rawSize = single(params, 'PageSize');
  let pageSize = DEFAULT_PAGE_SIZE;
  if (rawSize !== undefined) {
    if (!INTEGER.test(rawSize.trim()) || Number(rawSize) < 1) {
      throw badRequest(20001, `Invalid PageSize '${rawSize}': must be an integer of at least 1`);
    }
    pageSize = Math.min(Number(rawSize), MAX_PAGE_SIZE);
  }
  const rawPage = single(params, 'Page');
  let page = 0;
  if (rawPage !== undefined) {
    if (!INTEGER.test(rawPage.trim()) || !Number.isSafeInteger(Number(rawPage))) {
      throw badRequest(20001, `Invalid Page '${rawPage}': must be a non-negative integer`);
    }
    page = Number(rawPage);
  }
  const rawToken = single(params, 'PageToken');
  if (rawToken === undefined || rawToken === '') return { pageSize, page };
  return { pageSize, page, token: decodeToken(rawToken), rawToken };
}

/**
 * Twilio's rule on lists paged by token (Messages): a page after the first is reached only
 * through the `PageToken` of the previous page's `next_page_uri`; `Page=N` alone is refused.
 * github.com/twilio/twilio-python/issues/395 (Accounts, by contrast, still served `Page=N`).
 */
export function requirePageToken(params: PageParams): void {
  if (params.page > 0 && params.token === undefined) {
    throw badRequest(20001, 'PageToken is required for paging.');
  }
}

/** Encodes a position as an opaque Twilio-looking token (`PA…` / `PB…`). */
export function encodeToken(direction: 'after' | 'before', position: string): string {
  return (direction === 'after' ? 'PA' : 'PB') + Buffer.from(position).toString('base64url');
}

function decodeToken(raw: string): PageToken {
  const prefix = raw.slice(0, 2);
  const body = raw.slice(2);
  if ((prefix !== 'PA' && prefix !== 'PB') || !/^[A-Za-z0-9_-]+$/.test(body)) {
    throw badRequest(20001, `Invalid PageToken '${raw}'`);
  }
  return {
    direction: prefix === 'PA' ? 'after' : 'before',
    position: Buffer.from(body, 'base64url').toString('utf8'),
  };
}

/** Everything needed to render one page envelope. */
export interface PageEnvelopeInput<T> {
  /** The single list key: `messages`, `accounts`, `keys`, `incoming_phone_numbers`… */
  key: string;
  /** The list path, e.g. `/2010-04-01/Accounts/AC…/Messages.json`. */
  path: string;
  /** Filters to repeat in every page URI, in wire order (keys unencoded). */
  filters: ReadonlyArray<readonly [string, string]>;
  params: PageParams;
  items: T[];
  /** Token of the next (older) page, when there is one. */
  nextToken?: string;
  /** Token of the previous (newer) page, when there is one. */
  previousToken?: string;
}

const enc = (s: string): string => encodeURIComponent(s);

/**
 * Twilio's v2010 page envelope: relative URIs that repeat the filters plus PageSize and Page,
 * an inclusive `end`, and exactly one list key (Python's SDK rejects a page with two).
 */
export function pageEnvelope<T>(input: PageEnvelopeInput<T>): Record<string, unknown> {
  const { params, items } = input;
  const query = (page: number, token?: string): string => {
    const parts = input.filters.map(([k, v]) => `${enc(k)}=${enc(v)}`);
    parts.push(`PageSize=${params.pageSize}`, `Page=${page}`);
    if (token !== undefined) parts.push(`PageToken=${enc(token)}`);
    return `${input.path}?${parts.join('&')}`;
  };
  const start = params.page * params.pageSize;
  return {
    first_page_uri: query(0),
    end: items.length === 0 ? start : start + items.length - 1,
    previous_page_uri:
      input.previousToken !== undefined && params.page > 0
        ? query(params.page - 1, input.previousToken)
        : null,
    [input.key]: items,
    uri: query(params.page, params.rawToken),
    page_size: params.pageSize,
    start,
    next_page_uri: input.nextToken !== undefined ? query(params.page + 1, input.nextToken) : null,
    page: params.page,
  };
}

/**
 * Offset paging for small collections (accounts, keys, phone numbers): the token carries the
 * offset. Returns the slice bounds and the tokens for neighbouring pages.
 */
export function offsetPaging(params: PageParams): { offset: number; limit: number } {
  let offset = params.page * params.pageSize;
  if (params.token) {
    const n = Number(params.token.position);
    if (!Number.isSafeInteger(n) || n < 0) throw badRequest(20001, 'Invalid PageToken');
    offset = n;
  }
  return { offset, limit: params.pageSize + 1 };
}

/** Renders a page of an offset-paged collection; `rows` holds up to pageSize + 1 items. */
export function offsetEnvelope<T>(
  key: string,
  path: string,
  filters: ReadonlyArray<readonly [string, string]>,
  params: PageParams,
  offset: number,
  rows: T[],
): Record<string, unknown> {
  const hasMore = rows.length > params.pageSize;
  const items = hasMore ? rows.slice(0, params.pageSize) : rows;
  return pageEnvelope({
    key,
    path,
    filters,
    params,
    items,
    nextToken: hasMore ? encodeToken('after', String(offset + params.pageSize)) : undefined,
    previousToken:
      offset > 0 ? encodeToken('after', String(Math.max(0, offset - params.pageSize))) : undefined,
  });
}
