import type { Clock } from '../clock.js';
import type { Ids } from '../ids.js';
import { httpUrl } from '../messages/messages.params.js';
import {
  defaultOutbound,
  OutboundError,
  TWILIO_REDIRECT_STATUSES,
  type Outbound,
  type OutboundAnswer,
} from '../http/outbound.js';
import type { GateLimits } from '../http/outbound.gate.js';
import type { Message } from '../store/records.js';
import type { MediaRecord, NewMedia, Store } from '../store/store.js';
import { mediaContentUrl } from './media.mapper.js';
import { isStored, pendingMedia } from './media.pending.js';
import {
  ACCEPTED_MEDIA_TYPES,
  MEDIA_LIMITS,
  mimeEssence,
  SUPPORTED_IMAGE_TYPES,
} from './media.types.js';

/**
 * The Twilio error codes a message gets when its media cannot be used (docs: api/errors/<code>).
 * The message is then `failed` with this `error_code`.
 */
export const MEDIA_ERRORS = {
  /** "HTTP retrieval failure": non-2xx status, network error, timeout, empty body. */
  retrieval: 11200,
  /** "HTTP too many redirects". */
  tooManyRedirects: 11215,
  /** "Invalid Content-Type": missing, or not an accepted MMS type. */
  contentType: 12300,
  /** "Media Message - Media exceeds messaging provider size limit" (5 MB for MMS, in total). */
  totalSize: 11751,
  /** "Content size exceeds carrier limit": a non-image file over 500 KB. */
  carrierSize: 30019,
  /** "Invalid media URL(s)": not an absolute http(s) URL. */
  invalidUrl: 21620,
} as const;

/**
 * Default limits of the MMS sends fetching media at once (see `OutboundGate`): per MediaUrl
 * origin and per account (MEDIA_ORIGIN_LIMIT, MEDIA_ACCOUNT_LIMIT), in all (up to 5 MB each in
 * memory), and how many MMS may wait for a slot in memory.
 */
export const MEDIA_GATE: GateLimits = {
  perOrigin: 8,
  perAccount: 32,
  total: 64,
  maxWaiting: 1024,
};

/** A media fetch's outcome. */
export type FetchMediaResult =
  | { ok: true; contentType: string; bytes: Buffer }
  | { ok: false; errorCode: number; errorMessage: string };

const fail = (errorCode: number, errorMessage: string): FetchMediaResult => ({
  ok: false,
  errorCode,
  errorMessage,
});

/** Media redirects followed: Twilio's webhook statuses, and 308 (unsourced for media). */
const REDIRECT_STATUSES: ReadonlySet<number> = new Set([...TWILIO_REDIRECT_STATUSES, 308]);

/**
 * GETs one MediaUrl the way Twilio does before sending an MMS: follows up to 5 redirects (a loop
 * or a non-http(s) Location fails), requires a 2xx with an accepted Content-Type, and streams
 * the body with a running byte cap, cutting the transfer off as soon as it exceeds `maxBytes`.
 * The timeout covers the whole chain, body included. Goes through `outbound` (OUTBOUND_DENY).
 * Network failures read alike (nothing about the far side's ports). Never throws.
 */
export async function fetchMedia(
  url: string,
  opts: { timeoutMs: number; maxBytes: number; outbound?: Outbound },
): Promise<FetchMediaResult> {
  const parsed = httpUrl(url);
  if (!parsed) return fail(MEDIA_ERRORS.invalidUrl, `Invalid media URL: ${url}`);
  const retrieval = (why: string) =>
    fail(MEDIA_ERRORS.retrieval, `HTTP retrieval failure: ${url} ${why}`);
  let res: OutboundAnswer;
  try {
    res = await (opts.outbound ?? defaultOutbound).request({
      url: parsed,
      method: 'GET',
      headers: () => ({ Accept: '*/*' }),
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
      maxRedirects: MEDIA_LIMITS.maxRedirects,
      redirectStatuses: REDIRECT_STATUSES,
      wantBody: (status, type) => status >= 200 && status <= 299 && accepted(type),
    });
  } catch (e) {
    const err = e instanceof OutboundError ? e : new OutboundError('connect', 'connection failed');
    if (err.kind === 'redirects') {
      return fail(
        MEDIA_ERRORS.tooManyRedirects,
        `HTTP too many redirects: ${url}: ${err.message} (at most ${MEDIA_LIMITS.maxRedirects})`,
      );
    }
    return retrieval(failureText(err, opts.timeoutMs));
  }
  const at = res.url.href;
  if (res.status < 200 || res.status > 299) {
    return fail(
      MEDIA_ERRORS.retrieval,
      `HTTP retrieval failure: ${at} returned HTTP ${res.status}`,
    );
  }
  if (!accepted(res.contentType)) {
    return fail(
      MEDIA_ERRORS.contentType,
      `Invalid Content-Type: ${res.contentType || '(none)'} at ${at} is not an accepted media type`,
    );
  }
  if (res.truncated) return tooLarge(at, opts.maxBytes);
  if (res.bodyError) return retrieval(failureText(res.bodyError, opts.timeoutMs));
  if (res.body.length === 0) {
    return fail(MEDIA_ERRORS.retrieval, `HTTP retrieval failure: ${at} returned no content`);
  }
  return { ok: true, contentType: mimeEssence(res.contentType) as string, bytes: res.body };
}

const accepted = (contentType: string): boolean => {
  const essence = mimeEssence(contentType);
  return essence !== null && ACCEPTED_MEDIA_TYPES.has(essence);
};

/** The user-visible reason of a failed fetch: the same words for every network failure. */
function failureText(err: OutboundError, timeoutMs: number): string {
  switch (err.kind) {
    case 'timeout':
      return `did not respond within ${timeoutMs} ms`;
    case 'denied':
    case 'scheme':
    case 'bad-redirect':
    case 'host':
      return `could not be fetched: ${err.message}`;
    default:
      return 'could not be fetched: connection failed';
  }
}

const tooLarge = (url: string, maxBytes: number): FetchMediaResult =>
  fail(
    MEDIA_ERRORS.totalSize,
    `Media exceeds messaging provider size limit: ${url} is larger than ${maxBytes} bytes`,
  );

/** What `prepareMedia` needs. */
export interface PrepareMediaDeps {
  store: Store;
  clock: Clock;
  ids: Ids;
  /** Per MediaUrl (redirects and body included); default 15 s. */
  timeoutMs?: number;
  /** All media of the message together; default 5 MB (Twilio's MMS limit). */
  maxTotalBytes?: number;
  /** The HTTP client (OUTBOUND_DENY); default denies nothing. */
  outbound?: Outbound;
}

/** `prepareMedia`'s outcome: the stored media, or the error the message fails with. */
export type PrepareMediaResult =
  { ok: true; media: MediaRecord[] } | { ok: false; errorCode: number; errorMessage: string };

/** The message's MediaUrl list, in wire order. */
export function mediaUrlsOf(message: Message): string[] {
  const v = message.options['MediaUrl'];
  return v === undefined ? [] : (Array.isArray(v) ? v : [v]).filter((u) => u !== '');
}

/** A fetched MediaUrl. */
export interface FetchedFile {
  url: string;
  contentType: string;
  bytes: Buffer;
}

/**
 * Fetches MediaUrls in order and checks Twilio's rules (accepted types, 5 MB in total, 500 KB
 * per non-image file), storing nothing: the files, or the first failure's error.
 */
export async function fetchAllMedia(
  deps: Pick<PrepareMediaDeps, 'timeoutMs' | 'maxTotalBytes' | 'outbound'>,
  urls: readonly string[],
): Promise<
  { ok: true; files: FetchedFile[] } | { ok: false; errorCode: number; errorMessage: string }
> {
  const budget = deps.maxTotalBytes ?? MEDIA_LIMITS.totalBytes;
  const timeoutMs = deps.timeoutMs ?? MEDIA_LIMITS.fetchTimeoutMs;
  const files: FetchedFile[] = [];
  let used = 0;
  for (const url of urls) {
    const r = await fetchMedia(url, {
      timeoutMs,
      maxBytes: budget - used,
      outbound: deps.outbound,
    });
    if (!r.ok) {
      if (r.errorCode !== MEDIA_ERRORS.totalSize) return r;
      return {
        ok: false,
        errorCode: MEDIA_ERRORS.totalSize,
        errorMessage: `Media exceeds messaging provider size limit: the media of this message total more than ${budget} bytes`,
      };
    }
    if (!SUPPORTED_IMAGE_TYPES.has(r.contentType) && r.bytes.length > MEDIA_LIMITS.otherTypeBytes) {
      return {
        ok: false,
        errorCode: MEDIA_ERRORS.carrierSize,
        errorMessage: `Content size exceeds carrier limit: ${r.contentType} media at ${url} is larger than ${MEDIA_LIMITS.otherTypeBytes} bytes`,
      };
    }
    used += r.bytes.length;
    files.push({ url, contentType: r.contentType, bytes: r.bytes });
  }
  return { ok: true, files };
}

/**
 * Fetches the MediaUrls of an outbound message's Media (created empty with the message, in
 * order) and stores their bytes in one transaction. Idempotent: once every Media is stored,
 * returns them without fetching, so a retried dispatch job never fetches or stores twice. When
 * any URL fails, stores nothing: the Media stay listed, empty, and the message fails with the
 * error. A Media deleted meanwhile is neither fetched nor returned.
 */
export async function prepareMedia(
  deps: PrepareMediaDeps,
  message: Message,
): Promise<PrepareMediaResult> {
  const { store } = deps;
  let media = await storedMedia(store, message);
  // A message accepted before its Media were created with it (an older Loft): create them now.
  if (media.length === 0 && message.numMedia > 0) media = await createPending(deps, message);
  if (media.every(isStored)) return { ok: true, media };
  const pending = media.filter((m) => !isStored(m));
  const fetched = await fetchAllMedia(
    deps,
    pending.map((m) => m.sourceUrl ?? ''),
  );
  if (!fetched.ok) return fetched;
  const now = deps.clock.now();
  await store.media.fill(
    pending.map((m, i) => {
      const f = fetched.files[i] as FetchedFile;
      return {
        sid: m.sid,
        contentType: f.contentType,
        size: f.bytes.length,
        content: f.bytes,
        dateUpdated: now,
      };
    }),
  );
  // Read back: another worker's fill, or a delete, may have come first.
  media = await storedMedia(store, message);
  return { ok: true, media: media.filter(isStored) };
}

/** Stored Media rows of a new message, from its fetched files (inbound: fetched first). */
export function storedRows(
  deps: Pick<PrepareMediaDeps, 'ids'>,
  message: Message,
  files: readonly FetchedFile[],
): NewMedia[] {
  return pendingMedia(
    deps.ids,
    message,
    files.map((f) => f.url),
  ).map((row, i) => {
    const f = files[i] as FetchedFile;
    return { ...row, contentType: f.contentType, size: f.bytes.length, content: f.bytes };
  });
}

async function createPending(deps: PrepareMediaDeps, message: Message): Promise<MediaRecord[]> {
  return deps.store.transaction(async (tx) => {
    const raced = await storedMedia(tx, message);
    if (raced.length > 0) return raced;
    const rows = pendingMedia(deps.ids, message, mediaUrlsOf(message));
    await tx.media.insertMany(rows);
    return rows.map(({ content: _content, ...record }) => record);
  });
}

function storedMedia(store: Store, message: Message): Promise<MediaRecord[]> {
  return store.media.list(
    { accountSid: message.accountSid, messageSid: message.sid },
    { limit: 1000, offset: 0 },
  );
}

/**
 * `prepareMedia` in the delivery pipeline's shape (`DispatchDeps.prepareMedia`): on success the
 * absolute content URLs of the stored media (`{publicBaseUrl}/2010-04-01/…/Media/ME…`), in order.
 */
export async function prepareMediaUrls(
  deps: PrepareMediaDeps & { publicBaseUrl: string },
  message: Message,
): Promise<{ ok: true; urls: string[] } | { ok: false; errorCode: number; errorMessage: string }> {
  const r = await prepareMedia(deps, message);
  return r.ok ? { ok: true, urls: r.media.map((m) => mediaContentUrl(deps.publicBaseUrl, m)) } : r;
}
