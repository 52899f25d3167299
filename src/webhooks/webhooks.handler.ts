import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { Account } from '../store/records.js';
import type {
  Store,
  Webhook,
  WebhookAttempt,
  WebhookMethod,
  WebhookParams,
  WebhookStatus,
} from '../store/store.js';
import { SIGNATURE_HEADER, signature } from './signature.js';
import { defaultOutbound, OutboundError, type Outbound } from '../http/outbound.js';
import { memoize } from '../jobs/memo.js';
import type { Logger } from '../log/loggers.js';
import { logRound, causeOf } from './webhooks.log.js';
import {
  GateAborted,
  originOf,
  OutboundGate,
  type GateKeys,
  type GateLimits,
} from '../http/outbound.gate.js';

import { RETRY_DEFAULTS, retryDelay, retryRounds, type RetrySchedule } from './webhooks.retry.js';

/** Header carrying a token that stays the same on every request made for one webhook. */
export const IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';

/** Defaults of {@link webhookHandler}. */
export const WEBHOOK_DEFAULTS = {
  /** Per request, response body included. */
  timeoutMs: 10_000,
  userAgent: 'TwilioProxy/1.1',
  /** Redirects followed per request (Twilio follows them, 11216; its limit is unsourced). */
  maxRedirects: 5,
} as const;

/**
 * Default limits of the webhook requests in flight (see {@link OutboundGate}): per receiving
 * origin (as many as the whole process had before there were per-origin slots, so one busy
 * receiver is not slowed) and per account (WEBHOOK_ORIGIN_LIMIT, WEBHOOK_ACCOUNT_LIMIT), in
 * all, and how many may wait for a slot in memory before jobs wait in the database instead.
 */
export const WEBHOOK_GATE: GateLimits = {
  perOrigin: 128,
  perAccount: 512,
  total: 1024,
  maxWaiting: 4096,
};

/** How much of a response body the attempt log keeps. */
export const EXCERPT_BYTES = 1024;

/** What the webhook queue gives a batch besides its webhooks. */
export interface WebhookBatchContext {
  /** The lease owner (the queue's worker name). */
  owner: string;
  /** Aborted when the queue stops: requests not started yet do not start. */
  signal?: AbortSignal;
  /** Called after a wave made a chain's next webhook due: the queue claims again. */
  wake?: () => void;
  /**
   * Called after a wave that handed answers to their consumer (TwiML, whose replies queue
   * dispatch jobs): the delivery runner claims them.
   */
  consumed?: () => void;
}

/**
 * Sends a batch of claimed webhooks (one attempt round each) and settles them in the store.
 * Resolves once they are all settled or after a short hold; `rest` resolves when every one of
 * them is settled or given back to the queue. It never rejects.
 */
export type WebhookBatch = (
  webhooks: Webhook[],
  ctx: WebhookBatchContext,
) => Promise<{ rest: Promise<void> }>;

/** What the webhook handler needs. */
export interface WebhookHandlerDeps {
  store: Store;
  clock: Clock;
  timeoutMs?: number;
  /** The retry schedule of webhooks that retry (status callbacks); see {@link RETRY_DEFAULTS}. */
  retry?: Partial<RetrySchedule>;
  /** Uniform in [0, 1); injected for deterministic back-off in tests. */
  random?: () => number;
  userAgent?: string;
  /**
   * Slots of the requests in flight, per receiving origin, per account and in all (default
   * {@link WEBHOOK_GATE}): a receiver that hangs takes only its origin's slots.
   */
  gate?: OutboundGate;
  /** The HTTP client (OUTBOUND_DENY); default denies nothing. */
  outbound?: Outbound;
  /**
   * The `webhooks` logger: a failed attempt at warn, a webhook given up and a wave that could
   * not be recorded at error, each delivered one at debug (see {@link logRound}).
   */
  log?: Logger;
  /**
   * Consumes the body of a delivered webhook of the given kinds (inbound TwiML), inside the
   * transaction that settles it. A returned `error` (e.g. `12100 …`) is noted on the attempt.
   */
  onResponse?: {
    kinds: string[];
    handle: (
      tx: Store,
      webhook: Webhook,
      response: WebhookResponse,
      now: number,
    ) => Promise<{ error?: string } | void>;
  };
}

/** What a delivered webhook's receiver answered (for TwiML). */
export interface WebhookResponse {
  /** The URL that answered (after HTTP redirects): relative TwiML URLs resolve against it. */
  url: string;
  status: number;
  contentType: string;
  body: string;
  /** The body was longer than {@link TWIML_MAX_BYTES}: `body` is its start only. */
  truncated?: boolean;
}

/**
 * Largest response body read for TwiML processing: Twilio's limit, "the response body is larger
 * than 64 kB" being error 11750 (twilio.com/docs/api/errors/11750).
 */
export const TWIML_MAX_BYTES = 64 * 1024;

/**
 * Kinds delivered in a single round (primary, then fallback) and never retried, as Twilio does
 * for inbound message webhooks; status callbacks retry with back-off.
 */
export const SINGLE_ROUND_KINDS = new Set(['inbound', 'inbound-redirect']);

/**
 * The idempotency token of a webhook: UUID-shaped, derived from what identifies it, so every
 * request made for it (retries and fallback included) carries the same value.
 */
export function idempotencyToken(
  w: Pick<Webhook, 'id' | 'accountSid' | 'orderKey' | 'createdAt'>,
): string {
  const h = createHash('sha256')
    .update(`${w.accountSid}|${w.orderKey}|${w.id}|${w.createdAt}`)
    .digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** Form-encodes parameters, repeating a name once per value. */
export function formEncode(params: WebhookParams): string {
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    for (const v of Array.isArray(value) ? value : [value]) form.append(name, v);
  }
  return form.toString();
}

/** The URL a webhook requests: without fragment; for GET, with the parameters in the query. */
export function requestUrl(url: string, method: WebhookMethod, params: WebhookParams): string {
  const hash = url.indexOf('#');
  const base = hash === -1 ? url : url.slice(0, hash);
  const query = method === 'GET' ? formEncode(params) : '';
  if (query === '') return base;
  const sep = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return base + sep + query;
}

/** One request of a round, as sent and answered. */
export type Sent = Omit<WebhookAttempt, 'id' | 'nextRetryAt'> & {
  ok: boolean;
  /** For the log only: the low-level error code of a failed request (ECONNREFUSED, timeout). */
  cause?: string;
  body?: string;
  contentType?: string;
  documentUrl?: string;
  truncated?: boolean;
};

/**
 * The attempt log's text for a failed request, with Twilio's debugger code: 11205 for every
 * connection failure and timeout (twilio.com/docs/api/errors/11205: "URLs that reference
 * private IP addresses or localhost" are one of its causes), 11210 a host name that does not
 * resolve, 11215 too many redirects or a loop, 11216 a redirect Twilio would not follow. A
 * refused, reset or closed connection all read "HTTP connection failure", so the log (readable
 * through the API) never tells an open internal port from a closed one.
 */
function describe(err: unknown): string {
  const e = err instanceof OutboundError ? err : new OutboundError('connect', 'connection failed');
  switch (e.kind) {
    case 'host':
      return `11210: HTTP bad host name: ${e.message}`;
    case 'redirects':
      return `11215: HTTP too many redirects: ${e.message}`;
    case 'bad-redirect':
    case 'scheme':
      return `11216: HTTP invalid redirect: ${e.message}`;
    case 'connect':
      return '11205: HTTP connection failure';
    default:
      return `11205: HTTP connection failure: ${e.message}`;
  }
}

/**
 * The webhook handler: one attempt round per claimed webhook. It requests the webhook's URL
 * (signed, form-encoded POST or GET with the query), and when that fails its fallback URL; 2xx
 * means delivered. Every request lands in the attempt log. A failed round is due again after a
 * back-off ({@link retryDelay}) for the schedule's span ({@link retryRounds} rounds in all),
 * then the webhook is marked failed. When a webhook finishes either way, the next pending
 * webhook of its order key becomes due, in the same transaction. HTTP failures never throw.
 * A single webhook is a batch of one: there is no other path.
 */
export function webhookHandler(deps: WebhookHandlerDeps): WebhookBatch {
  const { store, clock } = deps;
  const timeoutMs = deps.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  const backoff: RetrySchedule = { ...RETRY_DEFAULTS, ...deps.retry };
  const maxAttempts = retryRounds(backoff);
  const random = deps.random ?? Math.random;
  const userAgent = deps.userAgent ?? WEBHOOK_DEFAULTS.userAgent;
  const gate = deps.gate ?? new OutboundGate(WEBHOOK_GATE);
  const outbound = deps.outbound ?? defaultOutbound;
  // The redirects and the fallback URL of a round count against the webhook's own origin.
  const keysOf = (w: Webhook): GateKeys => ({ origins: [originOf(w.url)], account: w.accountSid });
  async function send(
    w: Webhook,
    target: { url: string; method: WebhookMethod },
    authToken: string,
  ): Promise<Sent> {
    const url = requestUrl(target.url, target.method, w.params);
    const parsed = parseUrl(url);
    const base = {
      webhookId: w.id,
      accountSid: w.accountSid,
      orderKey: w.orderKey,
      url: loggedUrl(url, parsed),
      method: target.method,
      params: w.params,
      attemptedAt: clock.now(),
    };
    const scheme = parsed?.protocol ?? '';
    if (!parsed || (scheme !== 'http:' && scheme !== 'https:')) {
      const error = scheme === '' ? 'invalid URL' : `unsupported URL scheme ${scheme}`;
      return {
        ...base,
        responseStatus: null,
        responseExcerpt: null,
        error,
        latencyMs: 0,
        ok: false,
      };
    }
    const post = target.method === 'POST';
    // Signed per hop: a redirect's receiver validates against the URL it was sent to.
    const headers = (hopUrl: URL): Record<string, string> => {
      const h: Record<string, string> = {
        [SIGNATURE_HEADER]: signature(
          authToken,
          signedUrl(hopUrl.href === parsed.href ? url : hopUrl.href, hopUrl),
          post ? w.params : {},
        ),
        [IDEMPOTENCY_HEADER]: idempotencyToken(w),
        'User-Agent': userAgent,
        Accept: '*/*',
      };
      if (post) h['Content-Type'] = 'application/x-www-form-urlencoded';
      return h;
    };
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const wantsBody = deps.onResponse?.kinds.includes(w.kind) ?? false;
      const limit = wantsBody ? TWIML_MAX_BYTES : EXCERPT_BYTES;
      // Redirects keep the method and body (unsourced for Twilio's webhooks).
      const res = await outbound.request({
        url: parsed,
        method: target.method,
        headers,
        ...(post && { body: formEncode(w.params) }),
        timeoutMs,
        maxBytes: limit,
        maxRedirects: WEBHOOK_DEFAULTS.maxRedirects,
      });
      const bytes = res.body.subarray(0, EXCERPT_BYTES);
      return {
        ...base,
        responseStatus: res.status,
        // `stream: true` holds back a multi-byte character cut in half at the limit.
        responseExcerpt: new TextDecoder().decode(bytes, { stream: true }),
        error: res.bodyError && `response body: ${res.bodyError.message}`,
        latencyMs: latency(),
        ok: res.status >= 200 && res.status < 300,
        body: limit > EXCERPT_BYTES ? new TextDecoder().decode(res.body) : '',
        contentType: res.contentType,
        documentUrl: loggedUrl(res.url.href, res.url),
        truncated: res.truncated,
      };
    } catch (err) {
      return {
        ...base,
        responseStatus: null,
        responseExcerpt: null,
        error: describe(err),
        latencyMs: latency(),
        ok: false,
        cause: causeOf(err),
      };
    }
  }

  /** One attempt round of a webhook (primary, then fallback): HTTP only, no writes. */
  async function attemptRound(w: Webhook, account: Account | undefined): Promise<Round> {
    const sent: Sent[] = [];
    if (account) {
      const targets = [{ url: w.url, method: w.method }];
      if (w.fallbackUrl) targets.push({ url: w.fallbackUrl, method: w.fallbackMethod ?? 'POST' });
      for (const target of targets) {
        const s = await send(w, target, account.authToken);
        sent.push(s);
        if (s.ok) break;
      }
    } else {
      sent.push({
        webhookId: w.id,
        accountSid: w.accountSid,
        orderKey: w.orderKey,
        url: loggedUrl(w.url, parseUrl(w.url)),
        method: w.method,
        params: w.params,
        responseStatus: null,
        responseExcerpt: null,
        error: `account ${w.accountSid} not found; not sent`,
        latencyMs: 0,
        attemptedAt: clock.now(),
        ok: false,
      });
    }

    const now = clock.now();
    const rounds = w.attempts + 1;
    const delivered = sent.some((s) => s.ok);
    const roundLimit = SINGLE_ROUND_KINDS.has(w.kind) ? 1 : maxAttempts;
    const status: WebhookStatus = delivered
      ? 'delivered'
      : !account || rounds >= roundLimit
        ? 'failed'
        : 'pending';
    const retryAt = status === 'pending' ? now + retryDelay(rounds, backoff, random) : null;
    const round = { w, sent, status, retryAt };
    if (deps.log) logRound(deps.log, round, rounds);
    return round;
  }

  /** The attempt log rows of a round (the last request carries the next retry time). */
  const attemptRows = (r: Round, note?: string): Omit<WebhookAttempt, 'id'>[] => {
    const answered = r.sent.find((s) => s.ok);
    return r.sent.map((s, i) => {
      const {
        ok: _ok,
        body: _b,
        contentType: _c,
        documentUrl: _d,
        truncated: _t,
        cause: _e,
        ...attempt
      } = s;
      const last = i === r.sent.length - 1;
      const error =
        s === answered && note ? [attempt.error, note].filter(Boolean).join('; ') : attempt.error;
      return { ...attempt, error, nextRetryAt: last ? r.retryAt : null };
    });
  };

  /** Gives webhooks whose round was not made or not recorded back to the queue at `runAt`. */
  const giveBack = async (ids: number[], owner: string, runAt: number): Promise<void> => {
    if (ids.length === 0) return;
    try {
      await store.webhooks.reschedule(ids, owner, runAt);
    } catch {
      // Their leases run out and they are claimed again.
    }
  };

  /**
   * A claimed batch: every request in flight together as far as the gate lets it (its origin
   * and account have a free slot; the others wait in memory for theirs), and the results
   * settled in waves as they come back — each wave one transaction with multi-row statements
   * (rounds, the TwiML of answered inbound webhooks, attempt log, the chains' next webhooks
   * made due). It returns once every request is settled, or after {@link LANE_HOLD_MS}: the
   * rest goes on in the background (`rest`), so a batch never holds its lane for its slowest
   * member. A webhook that finds every waiting place of the gate taken comes back after one
   * request timeout, the longest a slot stays taken.
   */
  return async (webhooks, { owner, signal, wake, consumed }) => {
    const accountOf = memoize((sid) => store.accounts.get(sid));
    const ready: { w: Webhook; round?: Round; error?: unknown }[] = [];
    const started: Webhook[] = [];
    const crowded: number[] = [];
    let wakeWave: (() => void) | null = null;
    for (const w of webhooks) {
      const running = gate.run(
        keysOf(w),
        async () => attemptRound(w, await accountOf(w.accountSid)),
        signal,
      );
      if (!running) {
        crowded.push(w.id);
        continue;
      }
      started.push(w);
      void running
        .then(
          (round) => ready.push({ w, round }),
          (error: unknown) => ready.push({ w, error }),
        )
        .finally(() => wakeWave?.());
    }
    await giveBack(crowded, owner, clock.now() + timeoutMs);
    // Waves and the lane hold wait on real time, not `clock`: they pace real HTTP answers (whose
    // timeouts are real), and on a manual clock a batch would hold its lane until all answered.
    const arrival = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wakeWave = () => {
          clearTimeout(t);
          resolve();
        };
      }).finally(() => (wakeWave = null));

    const waves = async () => {
      let remaining = started.length;
      while (remaining > 0) {
        // A wave: the first results, plus whatever else arrives within WAVE_MS (all of them,
        // from a fast receiver); a slow receiver only delays its own webhooks.
        while (ready.length === 0) await arrival(timeoutMs);
        const waveStart = performance.now();
        for (let left = WAVE_MS; ready.length < remaining && left > 0;) {
          await arrival(left);
          left = WAVE_MS - (performance.now() - waveStart);
        }
        const wave = ready.splice(0);
        remaining -= wave.length;
        const rounds = wave.flatMap((r) => (r.round ? [r.round] : []));
        const now = clock.now();
        // Called off by a stop before it started (due again at once), or the account could
        // not be read (after a pause).
        const failed = wave.filter((r) => !r.round);
        const aborted = failed.filter((r) => r.error instanceof GateAborted).map((r) => r.w.id);
        const broken = failed.filter((r) => !(r.error instanceof GateAborted)).map((r) => r.w.id);
        await giveBack(aborted, owner, now);
        await giveBack(broken, owner, now + WAVE_FAILURE_RETRY_MS);
        if (rounds.length === 0) continue;
        try {
          const moved = await settleWave(rounds, now);
          if (moved.next) wake?.();
          if (moved.consumed) consumed?.();
        } catch (err) {
          // The wave's transaction failed (a database error): its requests were made but are
          // not on record. Retry each after a pause, like a failed delivery (at least once),
          // instead of at once while this batch's other requests are still in flight.
          deps.log?.error(
            { err, webhooks: rounds.length, retryInMs: WAVE_FAILURE_RETRY_MS },
            'webhook results could not be recorded (database error): sending them again later',
          );
          await giveBack(
            rounds.map((r) => r.w.id),
            owner,
            now + WAVE_FAILURE_RETRY_MS,
          );
        }
      }
    };
    const rest = waves();
    let hold: NodeJS.Timeout | undefined;
    await Promise.race([
      rest,
      new Promise<void>((resolve) => (hold = setTimeout(resolve, LANE_HOLD_MS))),
    ]);
    clearTimeout(hold);
    return { rest };
  };

  /**
   * One wave in one transaction: rounds, the TwiML of answered inbound webhooks, the attempt
   * log, and the next webhook of each finished chain made due. Whether any chain moved on, and
   * whether any answer was consumed.
   */
  async function settleWave(
    rounds: Round[],
    now: number,
  ): Promise<{ next: boolean; consumed: boolean }> {
    return store.transaction(async (tx) => {
      const ok = await tx.webhooks.completeRounds(
        rounds.map((r) => ({
          id: r.w.id,
          expectedAttempts: r.w.attempts,
          status: r.status,
          retryAt: r.retryAt,
        })),
        now,
      );
      const rows: Omit<WebhookAttempt, 'id'>[] = [];
      let consumed = false;
      for (const r of rounds) {
        const note = ok.has(r.w.id) ? await consume(tx, r, now) : undefined;
        consumed ||= note !== undefined;
        rows.push(...attemptRows(r, note?.error));
      }
      await tx.webhooks.recordAttempts(rows);
      // Rounds another worker settled first (an expired lease) are its to hand on.
      const finished = rounds.filter((r) => ok.has(r.w.id) && r.status !== 'pending');
      await tx.webhooks.activate(
        finished.map((r) => r.w.orderKey),
        now,
      );
      return { next: finished.length > 0, consumed };
    });
  }

  /**
   * Hands the answer of a delivered webhook whose body is consumed (TwiML) to its consumer;
   * undefined when there was none to hand over.
   */
  async function consume(
    tx: Store,
    r: Round,
    now: number,
  ): Promise<{ error?: string } | undefined> {
    const answered = r.sent.find((s) => s.ok);
    if (!answered || !deps.onResponse?.kinds.includes(r.w.kind)) return undefined;
    const out = await deps.onResponse.handle(
      tx,
      r.w,
      {
        url: answered.documentUrl ?? answered.url,
        status: answered.responseStatus ?? 0,
        contentType: answered.contentType ?? '',
        body: answered.body ?? '',
        truncated: answered.truncated ?? false,
      },
      now,
    );
    return { ...(out?.error !== undefined && { error: out.error }) };
  }
}

/** How long a batch gathers finished requests before settling them together. */
const WAVE_MS = 20;

/**
 * Longest a webhook batch holds its runner lane: its requests still unsettled by then go on in
 * the background, and the lane claims other jobs.
 */
const LANE_HOLD_MS = 100;

/** When a wave cannot be recorded, its webhooks are tried again after this long. */
const WAVE_FAILURE_RETRY_MS = 5_000;

/** One attempt round's requests and what they decide. */
export interface Round {
  w: Webhook;
  sent: Sent[];
  status: WebhookStatus;
  retryAt: number | null;
}

/** `url` parsed, or undefined when it is not a URL. */
function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * The URL the attempt log keeps: as requested, without the password of a `user:password@` (the
 * log is read back through the API; only the webhook itself, which needs it, keeps the password).
 */
function loggedUrl(url: string, parsed: URL | undefined): string {
  return parsed ? withoutUserinfo(url, parsed, ['password']) : url;
}

/**
 * The URL a webhook is signed with: as requested, without any `user:password@` (those go as
 * Basic auth). Twilio drops them before computing the signature (docs/usage/security#notes),
 * and the receiver validates against the URL it saw, which never carries them.
 */
function signedUrl(url: string, parsed: URL): string {
  return withoutUserinfo(url, parsed, ['username', 'password']);
}

/** `url` with these parts of its userinfo left out; as given when they are empty already. */
function withoutUserinfo(
  url: string,
  parsed: URL,
  parts: readonly ('username' | 'password')[],
): string {
  if (parts.every((p) => parsed[p] === '')) return url;
  const copy = new URL(parsed);
  for (const p of parts) copy[p] = '';
  return copy.href;
}
