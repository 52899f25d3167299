import type { Logger } from '../log/loggers.js';
import { OutboundError } from '../http/outbound.js';
import type { Round } from './webhooks.handler.js';

/**
 * A webhook URL fit for the process log: no `user:password@`, no query (a GET webhook's
 * parameters, and any token a receiver put there) and no fragment.
 */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(not a URL)';
  }
}

/**
 * The low-level reason of a failed request, for the process log (the attempt log, which the
 * API serves, only says "HTTP connection failure"): the socket error's code (ECONNREFUSED,
 * ECONNRESET, ENOTFOUND…), else the failure's kind (timeout, redirects, denied).
 */
export function causeOf(err: unknown): string {
  const detail = err instanceof OutboundError ? err.detail : err;
  const code = codeOf(detail) ?? codeOf((detail as { cause?: unknown } | undefined)?.cause);
  if (code) return code;
  return err instanceof OutboundError ? err.kind : 'error';
}

const codeOf = (e: unknown): string | undefined => {
  const code = (e as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
};

/**
 * A round's lines: each failed request at warn (URL without credentials or query, the HTTP
 * status or error code, the attempt, and the next retry or "giving up"), the webhook given up
 * at error, a delivered one at debug. Never the parameters (they hold message bodies).
 */
export function logRound(log: Logger, round: Round, attempt: number): void {
  const { w, sent, status, retryAt } = round;
  const base = { webhookId: w.id, kind: w.kind, accountSid: w.accountSid, attempt };
  const next = retryAt === null ? 'giving up' : new Date(retryAt).toISOString();
  for (const s of sent) {
    if (s.ok) {
      log.debug(
        { ...base, url: safeUrl(s.url), status: s.responseStatus, ms: s.latencyMs },
        'webhook delivered',
      );
      continue;
    }
    log.warn(
      {
        ...base,
        url: safeUrl(s.url),
        method: s.method,
        ...(s.responseStatus !== null && { status: s.responseStatus }),
        ...(s.responseStatus === null && { error: s.cause ?? s.error }),
        nextRetry: next,
      },
      `webhook attempt ${attempt} failed: ${s.responseStatus ?? s.cause ?? s.error}; ${
        retryAt === null ? 'giving up' : `next retry at ${next}`
      }`,
    );
  }
  if (status === 'failed') {
    const last = sent.at(-1);
    log.error(
      {
        ...base,
        url: safeUrl(w.url),
        ...(last?.responseStatus != null && { status: last.responseStatus }),
        ...(last?.responseStatus == null && last && { error: last.cause ?? last.error }),
      },
      `webhook given up after ${attempt} attempt${attempt === 1 ? '' : 's'}`,
    );
  }
}
