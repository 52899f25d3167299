import type { Message, MessageStatus } from '../store/records.js';
import { IN_FLIGHT_STATUSES } from '../store/records.js';
import type { Store, WebhookAttempt } from '../store/store.js';

/** How far back the overview looks, and how much it reads at most to get there. */
export const OVERVIEW_LIMITS = {
  windowMs: 60 * 60_000,
  bucketMs: 60_000,
  /** Most messages read (newest first); past it the figures say `sampled`. */
  maxMessages: 50_000,
  /** Most webhook attempts read (newest first). */
  maxAttempts: 2_000,
  /** Most handsets listed, and messages read to find them. */
  maxHandsets: 200,
  handsetScan: 5_000,
} as const;

/** Statuses the chart draws apart; everything else counts as `other`. */
const CHART_STATUSES = [
  'delivered',
  'sent',
  'queued',
  'undelivered',
  'failed',
  'received',
] as const;

const chartStatus = (s: MessageStatus): string =>
  (CHART_STATUSES as readonly string[]).includes(s)
    ? s
    : IN_FLIGHT_STATUSES.includes(s)
      ? 'queued'
      : 'other';

const iso = (ms: number): string => new Date(ms).toISOString();

/**
 * Walks an account's messages newest first (by position), chunk by chunk, until `visit` returns
 * false for a whole chunk (messages are stored roughly in creation order; a few back-dated ones
 * in between are walked past, as `countRecent` does) or `max` have been read.
 */
async function walk(
  store: Store,
  accountSid: string,
  max: number,
  visit: (m: Message) => boolean,
): Promise<{ read: number; stopped: boolean }> {
  let read = 0;
  let cursor: { seq: number } | undefined;
  while (read < max) {
    const limit = Math.min(1000, max - read);
    const rows = await store.messages.list(
      { accountSid, tags: [] },
      { limit, direction: 'after', ...(cursor && { cursor }) },
    );
    let wanted = false;
    for (const m of rows) {
      read++;
      if (visit(m)) wanted = true;
    }
    if (rows.length < limit || !wanted) return { read, stopped: true };
    cursor = { seq: rows[rows.length - 1]!.seq };
  }
  return { read, stopped: false };
}

const failedAttempt = (a: WebhookAttempt): boolean =>
  a.error !== null || a.responseStatus === null || a.responseStatus >= 400;

/**
 * `GET /loft/v1/Accounts/{AC}/Overview`: the last hour of an account at a glance. Messages per
 * minute by status (as they are now, by creation minute), error codes ranked, messages not yet
 * sent (count and oldest), and failed webhook attempts. Reads the newest messages until an hour
 * back (at most {@link OVERVIEW_LIMITS}.maxMessages; `sampled` when that cut it short).
 */
export async function overview(store: Store, accountSid: string, now: number) {
  const { windowMs, bucketMs } = OVERVIEW_LIMITS;
  const start = Math.floor((now - windowMs) / bucketMs) * bucketMs + bucketMs;
  const buckets: { start: number; counts: Record<string, number> }[] = Array.from(
    { length: windowMs / bucketMs },
    (_, i) => ({ start: start + i * bucketMs, counts: {} }),
  );
  const errors = new Map<number, { count: number; message: string | null; last: string }>();
  let total = 0;
  let pending = 0;
  let oldestPending: Message | undefined;
  const { stopped } = await walk(store, accountSid, OVERVIEW_LIMITS.maxMessages, (m) => {
    if (m.dateCreated < start || m.dateCreated > now + bucketMs) return false;
    total++;
    const b = buckets[Math.floor((m.dateCreated - start) / bucketMs)];
    if (b) {
      const s = chartStatus(m.status);
      b.counts[s] = (b.counts[s] ?? 0) + 1;
    }
    if (m.errorCode !== null) {
      const e = errors.get(m.errorCode);
      if (e) e.count++;
      else errors.set(m.errorCode, { count: 1, message: m.errorMessage, last: m.sid });
    }
    if (IN_FLIGHT_STATUSES.includes(m.status) && m.status !== 'scheduled') {
      pending++;
      oldestPending = m;
    }
    return true;
  });
  const attempts = (
    await store.webhooks.attemptsForAccount(accountSid, OVERVIEW_LIMITS.maxAttempts)
  ).filter((a) => a.attemptedAt >= now - windowMs);
  const failures = attempts.filter(failedAttempt);
  return {
    account_sid: accountSid,
    date: iso(now),
    window_start: iso(start),
    sampled: !stopped,
    messages: total,
    statuses: ['delivered', 'sent', 'queued', 'undelivered', 'failed', 'received', 'other'],
    per_minute: buckets.map((b) => ({ minute: iso(b.start), counts: b.counts })),
    error_codes: [...errors.entries()]
      .sort((a, b) => b[1].count - a[1].count || a[0] - b[0])
      .map(([code, e]) => ({
        error_code: code,
        error_message: e.message,
        count: e.count,
        latest_message_sid: e.last,
      })),
    queue: {
      depth: pending,
      oldest_message_sid: oldestPending?.sid ?? null,
      oldest_date_created: oldestPending ? iso(oldestPending.dateCreated) : null,
    },
    webhooks: {
      attempts: attempts.length,
      failures: failures.length,
      recent_failures: failures.slice(0, 20).map((a) => ({
        message_sid: a.orderKey,
        url: a.url,
        response_status: a.responseStatus,
        error: a.error,
        date: iso(a.attemptedAt),
        next_retry: a.nextRetryAt === null ? null : iso(a.nextRetryAt),
      })),
    },
  };
}

/**
 * `GET /loft/v1/Accounts/{AC}/Handsets`: the virtual handsets the account's recent messages
 * went to or came from (the newest {@link OVERVIEW_LIMITS}.handsetScan messages), most recent
 * first, with how many messages each exchanged and the latest one.
 */
export async function handsets(store: Store, accountSid: string) {
  const seen = new Map<string, { handset: string; messages: number; last: Message }>();
  await walk(store, accountSid, OVERVIEW_LIMITS.handsetScan, (m) => {
    const handset = m.direction === 'inbound' ? m.from : m.to;
    if (!handset) return true;
    const h = seen.get(handset);
    if (h) h.messages++;
    else if (seen.size < OVERVIEW_LIMITS.maxHandsets)
      seen.set(handset, { handset, messages: 1, last: m });
    return true;
  });
  return {
    account_sid: accountSid,
    handsets: [...seen.values()].map((h) => ({
      handset: h.handset,
      messages: h.messages,
      last_message_sid: h.last.sid,
      last_body: h.last.body,
      last_direction: h.last.direction,
      last_date: iso(h.last.dateCreated),
    })),
  };
}
