import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { BatchHandler, BatchOutcome, JobHandler, JobOutcome, Later } from '../jobs/job.js';
import type { Account } from '../store/records.js';
import type {
  OutboxJob,
  Store,
  Webhook,
  WebhookAttempt,
  WebhookMethod,
  WebhookParams,
  WebhookStatus,
} from '../store/store.js';
import { SIGNATURE_HEADER, signature } from './signature.js';
import { enqueueNextWebhook, enqueueNextWebhooks } from './webhooks.enqueue.js';
import { defaultOutbound, OutboundError, type Outbound } from '../http/outbound.js';
import { memoize } from '../jobs/memo.js';
import type { Logger } from '../log/loggers.js';
import { logRound, causeOf } from './webhooks.log.js';
import {
  calledOff,
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

/** What the webhook job handler needs. */
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
 * The `webhook` job handler: one attempt round per run. It requests the webhook's URL (signed,
 * form-encoded POST or GET with the query), and when that fails its fallback URL; 2xx means
 * delivered. Every request lands in the attempt log. A failed round is retried with back-off
 * ({@link retryDelay}) for the schedule's span ({@link retryRounds} rounds in all), then the
 * webhook is marked failed. When a webhook finishes either
 * way, the next pending webhook of its order key gets its job, in the same transaction. HTTP
 * failures never throw.
 */
export function webhookHandler(deps: WebhookHandlerDeps): JobHandler {
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
  /**
   * A job that found every waiting place of the gate taken comes back after one request
   * timeout, the longest a slot stays taken (instead of circling through the database).
   */
  const crowded = (): JobOutcome => ({ retryAt: clock.now() + timeoutMs });

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

  /** Where a round another worker settled first leaves its job: the stored state decides. */
  async function deferred(w: Webhook, now: number): Promise<JobOutcome> {
    const current = await store.webhooks.get(w.id);
    return current?.status === 'pending'
      ? { retryAt: now + retryDelay(current.attempts, backoff, random) }
      : { done: true };
  }

  /**
   * One webhook on its own: read, then its round and settlement as background work ({@link
   * Later}) once its origin and account have a free slot.
   */
  const single = async (
    job: OutboxJob,
    ctx?: { signal?: AbortSignal },
  ): Promise<JobOutcome | Later> => {
    const id = Number(job.ref);
    const w = Number.isSafeInteger(id) ? await store.webhooks.get(id) : undefined;
    if (!w || w.status !== 'pending') return { done: true };
    // Not the head of its chain: the webhook before it enqueues this one when it finishes.
    if (await store.webhooks.hasPendingBefore(w.orderKey, w.id)) return { done: true };
    const account = await store.accounts.get(w.accountSid);
    const running = gate.run(keysOf(w), () => deliver(w, account), ctx?.signal);
    return running
      ? { later: running.catch((e: unknown) => calledOff(e, clock.now())) }
      : crowded();
  };

  /** One round of a webhook and its settlement, in its own transaction. */
  const deliver = async (w: Webhook, account: Account | undefined): Promise<JobOutcome> => {
    const round = await attemptRound(w, account);
    const { sent, status, retryAt } = round;
    const now = clock.now();
    const applied = await store.transaction(async (tx) => {
      const ok = await tx.webhooks.completeRound(
        w.id,
        { expectedAttempts: w.attempts, status },
        now,
      );
      const answered = sent.find((s) => s.ok);
      let note: string | undefined;
      if (ok && answered && deps.onResponse?.kinds.includes(w.kind)) {
        const r = await deps.onResponse.handle(
          tx,
          w,
          {
            url: answered.documentUrl ?? answered.url,
            status: answered.responseStatus ?? 0,
            contentType: answered.contentType ?? '',
            body: answered.body ?? '',
            truncated: answered.truncated ?? false,
          },
          now,
        );
        note = r?.error;
      }
      await tx.webhooks.recordAttempts(attemptRows(round, note));
      if (ok && status !== 'pending') await enqueueNextWebhook(tx, w.orderKey, now);
      return ok;
    });
    if (applied) return retryAt === null ? { done: true } : { retryAt };
    // Another worker settled this round first (an expired lease); defer to the stored state.
    return deferred(w, now);
  };

  /**
   * Many webhook jobs at once: one read for the webhooks and one for their chains' heads, every
   * request in flight together as far as the gate lets it (its origin and account have a free
   * slot; the others wait in memory for theirs), and the results settled in waves as they come
   * back — each wave one transaction with multi-row statements (rounds, attempt log, the
   * chains' next jobs, the finished jobs). The batch returns once every request is settled, or
   * after {@link LANE_HOLD_MS}: requests still waiting or in flight then go on as background
   * work ({@link Later}), so a batch never waits on its slowest member and its lane goes on to
   * other jobs. Webhooks whose answer is consumed (TwiML) run through the per-job handler.
   */
  const batch: BatchHandler = async (jobs, { owner, signal }) => {
    const outcomes = new Map<number, BatchOutcome>();
    const ids = jobs.map((j) => Number(j.ref)).filter((id) => Number.isSafeInteger(id));
    const webhooks = new Map((await store.webhooks.getMany(ids)).map((w) => [w.id, w]));
    const heads = await store.webhooks.pendingHeads(
      [...webhooks.values()].filter((w) => w.status === 'pending').map((w) => w.orderKey),
    );
    const accountOf = memoize((sid) => store.accounts.get(sid));
    let finished: number[] = [];
    const work: { job: OutboxJob; w: Webhook }[] = [];
    const taken = new Set<number>();
    for (const job of jobs) {
      const w = webhooks.get(Number(job.ref));
      // Gone, settled, or not the head of its chain (its predecessor enqueues it): done.
      if (!w || w.status !== 'pending' || heads.get(w.orderKey) !== w.id) {
        finished.push(job.id);
      } else if (deps.onResponse?.kinds.includes(w.kind) || taken.has(w.id)) {
        outcomes.set(job.id, { perJob: true });
      } else {
        taken.add(w.id);
        work.push({ job, w });
      }
    }

    // Each started job's outcome once its wave is settled (undefined: settled in the wave).
    const results = new Map<number, JobOutcome | undefined>();
    const waiting = new Map<number, (r: JobOutcome | undefined) => void>();
    const finish = (id: number, r: JobOutcome | undefined) => {
      if (results.has(id)) return;
      results.set(id, r);
      waiting.get(id)?.(r);
    };
    const ready: { job: OutboxJob; round?: Round; error?: unknown }[] = [];
    const started: OutboxJob[] = [];
    let wake: (() => void) | null = null;
    for (const { job, w } of work) {
      const running = gate.run(
        keysOf(w),
        async () => attemptRound(w, await accountOf(w.accountSid)),
        signal,
      );
      if (!running) {
        outcomes.set(job.id, crowded());
        continue;
      }
      started.push(job);
      void running
        .then(
          (round) => ready.push({ job, round }),
          (error: unknown) => ready.push({ job, error }),
        )
        .finally(() => wake?.());
    }
    const arrival = (ms: number) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      }).finally(() => (wake = null));

    const waves = async () => {
      let remaining = started.length;
      do {
        // A wave: the first results, plus whatever else arrives within WAVE_MS (all of them,
        // from a fast receiver); a slow receiver only delays its own webhooks.
        while (ready.length === 0 && remaining > 0) await arrival(timeoutMs);
        const waveStart = performance.now();
        for (let left = WAVE_MS; ready.length < remaining && left > 0;) {
          await arrival(left);
          left = WAVE_MS - (performance.now() - waveStart);
        }
        const wave = ready.splice(0);
        remaining -= wave.length;
        const rounds = wave.flatMap((r) => (r.round ? [{ job: r.job, round: r.round }] : []));
        for (const r of wave) {
          if (r.round) continue;
          // Called off by a stop before it started, or the account could not be read.
          const now = clock.now();
          const aborted = r.error instanceof GateAborted;
          finish(r.job.id, { retryAt: aborted ? now : now + WAVE_FAILURE_RETRY_MS });
        }
        const settling = finished;
        finished = [];
        if (rounds.length === 0 && settling.length === 0) continue;
        const now = clock.now();
        let applied: Set<number>;
        try {
          applied = await settleWave(rounds, settling, now, owner);
        } catch (err) {
          // The wave's transaction failed (a database error): its requests were made but are
          // not on record. Retry each after a pause, like a failed delivery (at least once),
          // instead of at once while this batch's other requests are still in flight; keep going.
          deps.log?.error(
            { err, webhooks: rounds.length, retryInMs: WAVE_FAILURE_RETRY_MS },
            'webhook results could not be recorded (database error): sending them again later',
          );
          for (const { job } of rounds) finish(job.id, { retryAt: now + WAVE_FAILURE_RETRY_MS });
          for (const id of settling) finish(id, { done: true });
          continue;
        }
        for (const { job, round: r } of rounds) {
          if (!applied.has(r.w.id)) finish(job.id, await deferred(r.w, now));
          else finish(job.id, r.retryAt === null ? undefined : { retryAt: r.retryAt });
        }
      } while (remaining > 0);
    };
    const settled = waves().catch((err: unknown) => {
      // A read failed (deferred()): whatever is not settled yet is tried again after a pause.
      deps.log?.error(
        { err, retryInMs: WAVE_FAILURE_RETRY_MS },
        'webhook batch failed to read its state (database error): its unsettled webhooks are tried again later',
      );
      const retryAt = clock.now() + WAVE_FAILURE_RETRY_MS;
      for (const job of started) finish(job.id, { retryAt });
    });

    let hold: NodeJS.Timeout | undefined;
    await Promise.race([
      settled,
      new Promise<void>((resolve) => (hold = setTimeout(resolve, LANE_HOLD_MS))),
    ]);
    clearTimeout(hold);
    for (const [id, r] of results) if (r) outcomes.set(id, r);
    // Jobs with nothing to do that no wave has taken yet: the runner completes them.
    for (const id of finished) outcomes.set(id, { done: true });
    finished = [];
    for (const job of started) {
      if (results.has(job.id)) continue;
      outcomes.set(job.id, { later: new Promise((resolve) => waiting.set(job.id, resolve)) });
    }
    return outcomes;
  };

  /** One wave in one transaction: rounds, attempt log, the chains' next jobs, finished jobs. */
  const settleWave = (
    rounds: { job: OutboxJob; round: Round }[],
    finished: number[],
    now: number,
    owner: string,
  ): Promise<Set<number>> =>
    store.transaction(async (tx) => {
      const ok = await tx.webhooks.completeRounds(
        rounds.map(({ round: r }) => ({
          id: r.w.id,
          expectedAttempts: r.w.attempts,
          status: r.status,
        })),
        now,
      );
      await tx.webhooks.recordAttempts(rounds.flatMap(({ round }) => attemptRows(round)));
      await enqueueNextWebhooks(
        tx,
        rounds
          .filter(({ round: r }) => ok.has(r.w.id) && r.status !== 'pending')
          .map(({ round: r }) => r.w.orderKey),
        now,
      );
      const done = rounds
        .filter(({ round: r }) => ok.has(r.w.id) && r.retryAt === null)
        .map(({ job }) => job.id);
      await tx.outbox.completeMany([...finished, ...done], owner);
      return ok;
    });

  return Object.assign(single, { batch });
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
