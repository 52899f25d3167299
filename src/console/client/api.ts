/** What the server put in the page: the account shown, who is signed in, the CSRF token. */
export interface PageContext {
  page: string;
  /** The account the page shows. */
  account: string;
  /** The signed-in account (an API key's account for a key). */
  principal: string;
  /** `SK…` when signed in with an API key. */
  key: string | undefined;
  /** The main account with its auth token: network-wide simulator controls. */
  admin: boolean;
  /** The message SID or handset number a sub-page shows. */
  item: string | undefined;
  csrf: string;
}

/** Reads the page context from `<body data-…>` and the CSRF `<meta>`. */
export function pageContext(): PageContext {
  const d = document.body.dataset;
  return {
    page: d['page'] ?? '',
    account: d['account'] ?? '',
    principal: d['principal'] ?? '',
    key: d['key'],
    admin: d['admin'] === 'true',
    item: d['item'],
    csrf: document.querySelector<HTMLMetaElement>('meta[name="loft-csrf"]')?.content ?? '',
  };
}

/** An error the API answered with (Twilio's `{code, message, status}`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** A request body: a form (the Twilio API) or JSON (`/sim`). */
export type Body = { form: Record<string, string> } | { json: unknown };

/**
 * Calls the API with the session cookie (and the CSRF token on changes). A 401 means the
 * session ended: back to sign-in.
 */
export async function api<T = Record<string, unknown>>(
  ctx: PageContext,
  method: string,
  path: string,
  body?: Body,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET') headers['x-loft-csrf'] = ctx.csrf;
  let payload: string | undefined;
  if (body && 'form' in body) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    payload = new URLSearchParams(body.form).toString();
  } else if (body) {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body.json);
  }
  const res = await fetch(path, { method, headers, body: payload, credentials: 'same-origin' });
  if (res.status === 401) {
    location.assign('/console/signin');
    throw new ApiError(401, 20003, 'Signed out');
  }
  const text = await res.text();
  const json = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  if (!res.ok) {
    throw new ApiError(
      res.status,
      typeof json['code'] === 'number' ? json['code'] : undefined,
      typeof json['message'] === 'string' ? json['message'] : `HTTP ${res.status}`,
    );
  }
  return json as T;
}

/** `/2010-04-01/Accounts/{AC}` of the page's account. */
export const accountPath = (ctx: PageContext): string => `/2010-04-01/Accounts/${ctx.account}`;

/** `/loft/v1/Accounts/{AC}` of the page's account. */
export const loftPath = (ctx: PageContext): string => `/loft/v1/Accounts/${ctx.account}`;

/** A console page URL of the page's account. */
export const consolePath = (ctx: PageContext, rest: string): string =>
  `/console/${ctx.account}/${rest}`;

/** A message as the API returns it (the fields the console reads). */
export interface MessageJson {
  sid: string;
  account_sid: string;
  body: string | null;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: string;
  error_code: number | null;
  error_message: string | null;
  from: string | null;
  to: string;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string | null;
  status: string;
  tags?: Record<string, string>;
  uri: string;
  [field: string]: unknown;
}

/** A list page of messages (`/loft/v1/…/Messages`). */
export interface MessagePage {
  messages: MessageJson[];
  next_page_uri: string | null;
  live_token?: string;
  scanned?: number;
}
