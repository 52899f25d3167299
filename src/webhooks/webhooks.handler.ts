import { createHash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { Clock } from '../clock.js';
import type { JobHandler } from '../jobs/job.js';
import type {
  Store,
  Webhook,
  WebhookAttempt,
  WebhookMethod,
  WebhookParams,
  WebhookStatus,
} from '../store/store.js';
import { SIGNATURE_HEADER, signature } from './signature.js';
import { enqueueNextWebhook } from './webhooks.enqueue.js';

/** Header carrying a token that stays the same on every request made for one webhook. */
export const IDEMPOTENCY_HEADER = 'I-Twilio-Idempotency-Token';

/** Defaults of {@link webhookHandler}. */
export const WEBHOOK_DEFAULTS = {
  /** Per request, response body included. */
  timeoutMs: 10_000,
  /** Attempt rounds before a webhook is marked failed. */
  maxAttempts: 8,
  backoffBaseMs: 1_000,
  backoffMaxMs: 600_000,
  /** No retry comes sooner than this, whatever the jitter drew. */
  backoffMinMs: 1_000,
  userAgent: 'TwilioProxy/1.1',
} as const;

/** How much of a response body the attempt log keeps. */
export const EXCERPT_BYTES = 1024;

/** What the webhook job handler needs. */
export interface WebhookHandlerDeps {
  store: Store;
  clock: Clock;
  timeoutMs?: number;
  maxAttempts?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  backoffMinMs?: number;
  /** Uniform in [0, 1); injected for deterministic back-off in tests. */
  random?: () => number;
  userAgent?: string;
}

/** Back-off settings, as {@link retryDelay} takes them. */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  minMs: number;
}

/**
 * Exponential back-off with full jitter: after the n-th failed round (n ≥ 1) the next one waits
 * `max(minMs, min(maxMs, baseMs · 2^(n−1)) · random())`. With the defaults that is at least 1 s
 * and at most 10 min; the ceiling doubles per round (1 s, 2 s, 4 s, …).
 */
export function retryDelay(failedRounds: number, o: BackoffOptions, random: () => number): number {
  const ceiling = Math.min(o.maxMs, o.baseMs * 2 ** Math.max(0, failedRounds - 1));
  return Math.max(Math.min(o.minMs, o.maxMs), Math.floor(ceiling * random()));
}

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

type Sent = Omit<WebhookAttempt, 'id' | 'nextRetryAt'> & { ok: boolean };

/** Message of a failed fetch, with the low-level cause (`ECONNREFUSED`, …) when there is one. */
function describe(err: unknown, timeoutMs: number): string {
  if (err instanceof Error) {
    if (err.name === 'TimeoutError' || err.name === 'AbortError') {
      return `timeout after ${timeoutMs} ms`;
    }
    const cause = (err as { cause?: unknown }).cause;
    if (cause instanceof Error) {
      const code = (cause as { code?: unknown }).code;
      return `${err.message}: ${typeof code === 'string' ? code : cause.message}`;
    }
    return err.message;
  }
  return String(err);
}

/** Reads at most EXCERPT_BYTES of a body; a read failure is reported, not thrown. */
async function readExcerpt(
  res: Response,
  timeoutMs: number,
): Promise<{ excerpt: string; error: string | null }> {
  if (!res.body) return { excerpt: '', error: null };
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let error: string | null = null;
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
    if (size >= EXCERPT_BYTES) await reader.cancel().catch(() => {});
  } catch (err) {
    error = `response body: ${describe(err, timeoutMs)}`;
  }
  const bytes = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES);
  // `stream: true` holds back a multi-byte character cut in half at the limit.
  return { excerpt: new TextDecoder().decode(bytes, { stream: true }), error };
}

/**
 * The `webhook` job handler: one attempt round per run. It requests the webhook's URL (signed,
 * form-encoded POST or GET with the query), and when that fails its fallback URL; 2xx means
 * delivered. Every request lands in the attempt log. A failed round is retried with back-off
 * until `maxAttempts` rounds, then the webhook is marked failed. When a webhook finishes either
 * way, the next pending webhook of its order key gets its job, in the same transaction. HTTP
 * failures never throw.
 */
export function webhookHandler(deps: WebhookHandlerDeps): JobHandler {
  const { store, clock } = deps;
  const timeoutMs = deps.timeoutMs ?? WEBHOOK_DEFAULTS.timeoutMs;
  const maxAttempts = deps.maxAttempts ?? WEBHOOK_DEFAULTS.maxAttempts;
  const backoff: BackoffOptions = {
    baseMs: deps.backoffBaseMs ?? WEBHOOK_DEFAULTS.backoffBaseMs,
    maxMs: deps.backoffMaxMs ?? WEBHOOK_DEFAULTS.backoffMaxMs,
    minMs: deps.backoffMinMs ?? WEBHOOK_DEFAULTS.backoffMinMs,
  };
  const random = deps.random ?? Math.random;
  const userAgent = deps.userAgent ?? WEBHOOK_DEFAULTS.userAgent;

  async function send(
    w: Webhook,
    target: { url: string; method: WebhookMethod },
    authToken: string,
  ): Promise<Sent> {
    const url = requestUrl(target.url, target.method, w.params);
    const base = {
      webhookId: w.id,
      accountSid: w.accountSid,
      orderKey: w.orderKey,
      url,
      method: target.method,
      params: w.params,
      attemptedAt: clock.now(),
    };
    let scheme: string;
    try {
      scheme = new URL(url).protocol;
    } catch {
      scheme = '';
    }
    if (scheme !== 'http:' && scheme !== 'https:') {
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
    const headers: Record<string, string> = {
      [SIGNATURE_HEADER]: signature(authToken, url, post ? w.params : {}),
      [IDEMPOTENCY_HEADER]: idempotencyToken(w),
      'User-Agent': userAgent,
      Accept: '*/*',
    };
    if (post) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    const started = performance.now();
    const latency = () => Math.round(performance.now() - started);
    try {
      const res = await fetch(url, {
        method: target.method,
        headers,
        body: post ? formEncode(w.params) : undefined,
        redirect: 'manual',
        signal: AbortSignal.timeout(timeoutMs),
      });
      const { excerpt, error } = await readExcerpt(res, timeoutMs);
      return {
        ...base,
        responseStatus: res.status,
        responseExcerpt: excerpt,
        error,
        latencyMs: latency(),
        ok: res.status >= 200 && res.status < 300,
      };
    } catch (err) {
      return {
        ...base,
        responseStatus: null,
        responseExcerpt: null,
        error: describe(err, timeoutMs),
        latencyMs: latency(),
        ok: false,
      };
    }
  }

  return async (job) => {
    const id = Number(job.ref);
    const w = Number.isSafeInteger(id) ? await store.webhooks.get(id) : undefined;
    if (!w || w.status !== 'pending') return { done: true };
    // Not the head of its chain: the webhook before it enqueues this one when it finishes.
    if (await store.webhooks.hasPendingBefore(w.orderKey, w.id)) return { done: true };

    const account = await store.accounts.get(w.accountSid);
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
        url: w.url,
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
    const status: WebhookStatus = delivered
      ? 'delivered'
      : !account || rounds >= maxAttempts
        ? 'failed'
        : 'pending';
    const retryAt = status === 'pending' ? now + retryDelay(rounds, backoff, random) : null;

    const applied = await store.transaction(async (tx) => {
      for (const [i, s] of sent.entries()) {
        const { ok: _ok, ...attempt } = s;
        const last = i === sent.length - 1;
        await tx.webhooks.recordAttempt({ ...attempt, nextRetryAt: last ? retryAt : null });
      }
      const ok = await tx.webhooks.completeRound(
        w.id,
        { expectedAttempts: w.attempts, status },
        now,
      );
      if (ok && status !== 'pending') await enqueueNextWebhook(tx, w.orderKey, now);
      return ok;
    });
    if (applied) return retryAt === null ? { done: true } : { retryAt };
    // Another worker settled this round first (an expired lease); defer to the stored state.
    const current = await store.webhooks.get(w.id);
    return current?.status === 'pending'
      ? { retryAt: now + retryDelay(current.attempts, backoff, random) }
      : { done: true };
  };
}
