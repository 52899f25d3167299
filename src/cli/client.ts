/**
 * The HTTP client of the CLI's client commands (`send`, `messages`, `tail`, `reset`): Twilio's
 * REST API and Loft's `/loft/v1` over `fetch`, with Basic auth as the SDKs send it. (The
 * official `twilio` package is a dev dependency only, so the CLI does not depend on it.)
 */

/** A message as the API returns it (the fields the CLI reads). */
export interface MessageJson {
  sid: string;
  account_sid: string;
  direction: string;
  status: string;
  from: string | null;
  to: string;
  body: string;
  num_media: string;
  error_code: number | null;
  error_message: string | null;
  date_created: string;
  date_updated: string;
  date_sent: string | null;
  [field: string]: unknown;
}

/** One entry of a message's status history (`/loft/v1/…/Events`). */
export interface MessageEventJson {
  status: string;
  error_code: number | null;
  /** ISO 8601, millisecond precision. */
  date: string;
}

/** The server answered with an error (Twilio's envelope where it sent one). */
export class ApiError extends Error {
  override name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: number | undefined,
    message: string,
  ) {
    super(message);
  }
}

/** The server could not be reached at all. */
export class UnreachableError extends Error {
  override name = 'UnreachableError';
}

/** Where the API is and whose credentials to use. */
export interface ClientOptions {
  /** `http://host:port`, without a trailing slash. */
  url: string;
  accountSid: string;
  authToken: string;
}

/** Form parameters; an array repeats the name once per value (`MediaUrl`). */
export type Form = Record<string, string | string[] | undefined>;

function encode(form: Form): string {
  const out = new URLSearchParams();
  for (const [k, v] of Object.entries(form)) {
    for (const item of v === undefined ? [] : Array.isArray(v) ? v : [v]) out.append(k, item);
  }
  return out.toString();
}

/** The client: one method per call the commands make. */
export function loftClient(o: ClientOptions) {
  const auth = 'Basic ' + Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64');
  const account = `/2010-04-01/Accounts/${o.accountSid}`;
  const loft = `/loft/v1/Accounts/${o.accountSid}`;

  async function call<T>(method: string, path: string, form?: Form): Promise<T | undefined> {
    const headers: Record<string, string> = { authorization: auth, accept: 'application/json' };
    let body: string | undefined;
    if (form) {
      body = encode(form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    let res: Response;
    try {
      res = await fetch(o.url + path, { method, headers, ...(body !== undefined && { body }) });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        `cannot reach ${o.url} (${cause?.code ?? cause?.message ?? (e as Error).message}): is Loft running there? (--url, PUBLIC_BASE_URL)`,
      );
    }
    const text = await res.text();
    if (!res.ok) {
      let parsed: { code?: number; message?: string } = {};
      try {
        parsed = JSON.parse(text) as typeof parsed;
      } catch {
        // Not Twilio's envelope: the status line says what there is to say.
      }
      throw new ApiError(res.status, parsed.code, parsed.message ?? (text || res.statusText));
    }
    return text === '' ? undefined : (JSON.parse(text) as T);
  }

  const must = async <T>(p: Promise<T | undefined>): Promise<T> => {
    const v = await p;
    if (v === undefined) throw new ApiError(0, undefined, 'empty response');
    return v;
  };

  return {
    /** `POST …/Messages.json`. */
    send: (form: Form) => must(call<MessageJson>('POST', `${account}/Messages.json`, form)),
    /** One page of `GET …/Messages.json` (newest first), or the page a `next_page_uri` names. */
    page: (filter: { to?: string; from?: string; pageSize: number } | { uri: string }) =>
      must(
        call<{ messages: MessageJson[]; next_page_uri: string | null }>(
          'GET',
          'uri' in filter
            ? filter.uri
            : `${account}/Messages.json?${encode({
                To: filter.to,
                From: filter.from,
                PageSize: String(filter.pageSize),
              })}`,
        ),
      ),
    get: (sid: string) =>
      must(call<MessageJson>('GET', `${account}/Messages/${encodeURIComponent(sid)}.json`)),
    /** `POST …/Messages/{Sid}.json` with `Body=`: Twilio's redaction. */
    redact: (sid: string) =>
      must(
        call<MessageJson>('POST', `${account}/Messages/${encodeURIComponent(sid)}.json`, {
          Body: '',
        }),
      ),
    remove: async (sid: string) => {
      await call('DELETE', `${account}/Messages/${encodeURIComponent(sid)}.json`);
    },
    /** Loft's reset: every finished message of the account deleted; how many. */
    reset: () => must(call<{ account_sid: string; deleted: number }>('DELETE', `${loft}/Messages`)),
    /** A message's status history, oldest first. */
    events: async (sid: string) =>
      (
        await must(
          call<{ events: MessageEventJson[] }>(
            'GET',
            `${loft}/Messages/${encodeURIComponent(sid)}/Events`,
          ),
        )
      ).events,
    /** The account's first number that can send SMS, if it has one (`send` without `--from`). */
    async firstNumber(): Promise<string | undefined> {
      const r = await must(
        call<{
          incoming_phone_numbers: { phone_number: string; capabilities: { sms?: boolean } }[];
        }>('GET', `${account}/IncomingPhoneNumbers.json?PageSize=50`),
      );
      return r.incoming_phone_numbers.find((n) => n.capabilities.sms !== false)?.phone_number;
    },
  };
}

/** The client's type. */
export type LoftClient = ReturnType<typeof loftClient>;
