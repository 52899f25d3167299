import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.js';
import { badRequest, TwilioError } from '../../http/errors.js';
import { toMessageJson } from '../../messages/messages.mapper.js';
import type { Message } from '../../store/records.js';
import type { SimDelivery, Store } from '../../store/store.js';
import { EVENTS_CHANNEL } from '../../store/local-signals.js';
import { LONG_POLL_LIMITS, LongPollLimiter } from './sim.longpoll.js';
import { handsetMessageBody } from './sim.schemas.js';
import type { InboundInput } from '../../inbound/inbound.ingest.js';
import { actsFor, type SimCaller } from './sim.auth.js';

const isStrings = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((u) => typeof u === 'string');

/** Most one-time codes are 4–8 digits standing alone ("Your code is 482913."). */
const CODE = /(?<![\d-])\d{4,8}(?![\d-])/g;

/** The one-time codes found in a message body, in order. */
export const codesIn = (body: string): string[] => body.match(CODE) ?? [];

const visible = (d: SimDelivery, now: number): boolean =>
  d.direction === 'from-handset' ||
  (d.receivedAt <= now &&
    (d.outcome['status'] === 'delivered' || d.outcome['status'] === 'no-dlr'));

function toEntry(d: SimDelivery) {
  const received = d.direction === 'to-handset';
  return {
    sid: d.messageSid,
    account_sid: d.accountSid,
    direction: received ? 'received' : 'sent',
    from: received ? d.from : d.handset,
    to: received ? d.handset : d.from,
    body: d.body,
    media_urls: d.mediaUrls,
    num_segments: d.numSegments,
    ...(received && { codes: codesIn(d.body) }),
    date: new Date(d.receivedAt).toISOString(),
  };
}

const intParam = (raw: unknown, name: string, min: number, max: number, def: number): number => {
  if (raw === undefined || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw badRequest(20001, `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
};

/**
 * Virtual handsets: text one of the caller's numbers (`POST`), and read a handset's
 * conversation in both directions, newest first (`GET`), optionally long-polling with
 * `wait` (seconds) for messages newer than `after` (a message SID or an ISO timestamp).
 * The caller is an account (or its API key): it texts only numbers it or its subaccounts own
 * (another account's answers like an unknown number), and sees only their messages.
 */
export function simHandsetRoutes(
  app: FastifyInstance,
  deps: {
    store: Store;
    clock: Clock;
    ingest: (input: InboundInput) => Promise<Message>;
    caller: (req: FastifyRequest) => SimCaller;
  },
): void {
  const polls = new LongPollLimiter();
  app.post<{
    Params: { number: string };
    Body: { to?: unknown; body?: unknown; mediaUrls?: unknown } | undefined;
  }>(
    '/sim/handsets/:number/messages',
    { schema: { body: handsetMessageBody } },
    async (req, reply) => {
      const caller = deps.caller(req);
      const { number } = req.params;
      const b = req.body ?? {};
      if (typeof b.to !== 'string' || b.to === '')
        throw badRequest(21604, "A 'to' number is required.");
      if (b.body !== undefined && typeof b.body !== 'string')
        throw badRequest(20001, 'body must be a string');
      const mediaUrls = b.mediaUrls ?? [];
      if (!isStrings(mediaUrls)) {
        throw badRequest(20001, 'mediaUrls must be an array of URLs');
      }
      if ((b.body ?? '') === '' && mediaUrls.length === 0) {
        throw badRequest(21602, 'Message body is required.');
      }
      const m = await deps.ingest({
        from: number,
        to: b.to,
        body: (b.body as string) ?? '',
        mediaUrls,
        accepts: (accountSid) => actsFor(deps.store, caller, accountSid),
      });
      return reply.code(201).send(toMessageJson(m));
    },
  );

  app.get('/sim/handsets/:number/messages', async (req) => {
    const caller = deps.caller(req);
    const family = caller.principal.account.sid;
    const { number } = req.params as { number: string };
    const q = req.query as Record<string, unknown>;
    const { maxLimit, maxWaitSeconds } = LONG_POLL_LIMITS;
    const limit = intParam(q['limit'], 'limit', 1, maxLimit, maxLimit);
    const waitMs = intParam(q['wait'], 'wait', 0, maxWaitSeconds, 0) * 1000;
    const after = typeof q['after'] === 'string' && q['after'] !== '' ? q['after'] : undefined;
    let afterTime = -Infinity;
    if (after !== undefined) {
      const found = /^(SM|MM)[0-9a-f]{32}$/i.test(after)
        ? await deps.store.sim.get(after)
        : undefined;
      // Another account's message is no reference point (it is not the caller's to see).
      const ref =
        found && (await actsFor(deps.store, caller, found.accountSid)) ? found : undefined;
      afterTime = ref ? ref.receivedAt : Date.parse(after);
      if (Number.isNaN(afterTime))
        throw badRequest(20001, 'after must be a message SID or an ISO timestamp');
    }
    // Waiting without `after` means: wait for anything newer than this request.
    const since = after === undefined && waitMs > 0 ? deps.clock.now() - 1 : afterTime;
    const filtered = after !== undefined || waitMs > 0;
    const deadline = Date.now() + waitMs;
    // Wake on the store's message events (LISTEN/NOTIFY on PostgreSQL, in-process on SQLite);
    // a slow fallback poll covers a missed signal and deliveries that become due by time.
    let wake: (() => void) | undefined;
    const release = filtered && waitMs > 0 ? polls.acquire(family) : undefined;
    // twilio.com/docs/api/errors/20429: Twilio's answer when a client holds too many requests.
    if (release === null) throw new TwilioError(429, 20429, 'Too Many Requests');
    let off: (() => Promise<void>) | undefined;
    try {
      if (release) off = await deps.store.signals?.subscribe(EVENTS_CHANNEL, () => wake?.());
      let queried = 0;
      for (;;) {
        queried = Date.now();
        const now = deps.clock.now();
        const all = (await deps.store.sim.listForHandset(number, limit, family)).filter((d) =>
          visible(d, now),
        );
        const fresh = all.filter((d) => d.receivedAt > since && d.messageSid !== after);
        if (!filtered) return { handset: number, messages: all.map(toEntry) };
        if (fresh.length > 0 || Date.now() >= deadline) {
          return { handset: number, messages: fresh.map(toEntry) };
        }
        await new Promise<void>((r) => {
          const t = setTimeout(r, Math.min(500, Math.max(0, deadline - Date.now())));
          // Every event wakes every waiting poll: each reads its handset at most once per
          // `requeryMs`, so a burst of messages costs a bounded number of reads.
          wake = () => {
            wake = undefined;
            clearTimeout(t);
            setTimeout(r, Math.max(0, queried + LONG_POLL_LIMITS.requeryMs - Date.now()));
          };
        });
      }
    } finally {
      release?.();
      await off?.();
    }
  });
}
