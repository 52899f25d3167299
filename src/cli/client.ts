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

/** One Server-Sent Event. */
export interface ServerEvent {
  event: string;
  data: string;
  /** The event's `id:`, where it had one (the position to resume from). */
  id?: string;
}

/** The events of a `text/event-stream` body (comments and `retry:` skipped). */
export async function* serverEvents(body: AsyncIterable<Uint8Array>): AsyncGenerator<ServerEvent> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true }).replaceAll('\r\n', '\n');
    for (let end = buffer.indexOf('\n\n'); end !== -1; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const e: ServerEvent = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon === 0) continue;
        const field = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') e.event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') e.id = value;
      }
      if (data.length === 0 && e.id === undefined) continue;
      e.data = data.join('\n');
      yield e;
    }
  }
}

/** The client: one method per call the commands make. */
export function loftClient(o: ClientOptions) {
  const auth = 'Basic ' + Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64');
  const account = `/2010-04-01/Accounts/${o.accountSid}`;
  const loft = `/loft/v1/Accounts/${o.accountSid}`;

  /** A request whose answer was a success (2xx); the others throw (see {@link call}). */
  async function request(
    method: string,
    path: string,
    init: { form?: Form; headers?: Record<string, string>; signal?: AbortSignal } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = {
      authorization: auth,
      accept: 'application/json',
      ...init.headers,
    };
    let body: string | undefined;
    if (init.form) {
      body = encode(init.form);
      headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    let res: Response;
    try {
      res = await fetch(o.url + path, {
        method,
        headers,
        ...(body !== undefined && { body }),
        ...(init.signal && { signal: init.signal }),
      });
    } catch (e) {
      if (init.signal?.aborted) throw e;
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new UnreachableError(
        `cannot reach ${o.url} (${cause?.code ?? cause?.message ?? (e as Error).message}): is Loft running there? (--url, PUBLIC_BASE_URL)`,
      );
    }
    if (res.ok) return res;
    const text = await res.text();
    let parsed: { code?: number; message?: string } = {};
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch {
      // Not Twilio's envelope: the status line says what there is to say.
    }
    throw new ApiError(res.status, parsed.code, parsed.message ?? (text || res.statusText));
  }

  async function call<T>(method: string, path: string, form?: Form): Promise<T | undefined> {
    const text = await (await request(method, path, form ? { form } : {})).text();
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
    /**
     * The live stream of the account's messages (`GET /loft/v1/…/Messages/Stream`, Server-Sent
     * Events, as the console follows them), from `lastEventId` on when resuming; its events
     * until the server ends it or `signal` aborts.
     */
    async *stream(
      filter: { to?: string },
      lastEventId: string | undefined,
      signal: AbortSignal,
    ): AsyncGenerator<ServerEvent> {
      const res = await request('GET', `${loft}/Messages/Stream?${encode({ To: filter.to })}`, {
        headers: {
          accept: 'text/event-stream',
          ...(lastEventId !== undefined && { 'last-event-id': lastEventId }),
        },
        signal,
      });
      if (res.body) yield* serverEvents(res.body);
    },
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
