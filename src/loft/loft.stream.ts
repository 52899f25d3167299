import type { FastifyInstance } from 'fastify';
import { authenticate, authorizeAccount } from '../http/auth.js';
import { badRequest, TwilioError } from '../http/errors.js';
import { single, type FormParams } from '../http/form.js';
import { readMessageFilter } from '../messages/messages.list.js';
import { toMessageJson } from '../messages/messages.mapper.js';
import { LongPollLimiter } from '../delivery/simulator/sim.longpoll.js';
import { EVENTS_CHANNEL } from '../store/local-signals.js';
import type { Message, MessageStatus } from '../store/records.js';
import type { MessageFilter, Store } from '../store/store.js';
import { readExtraFilter, type MessagePredicate } from './loft.messages.js';

/** Bounds and pace of the live message feed. */
export const STREAM_LIMITS = {
  /** Streams open at once per account, and in the whole process. */
  perKey: 16,
  total: 256,
  /** Shortest time between two reads of one stream (signals are coalesced into these). */
  minGapMs: 200,
  /** A read even without a signal (messages created with no event, missed signals). */
  pollMs: 500,
  /** Messages read per store query. */
  chunk: 500,
  /** Most messages not read before that one read takes (the rest wait for the next). */
  maxScan: 5_000,
  /**
   * Most messages read again in one read (the look-back for late commits): without its own
   * bound, an account creating more than about two reads' `maxScan` in the look-back spent each
   * read re-reading it, and the stream fell behind.
   */
  maxRescan: 20_000,
  /** Most new messages sent whole in one event; past it, the event only counts them. */
  maxSent: 50,
  /** Unfinished messages whose status changes are followed. */
  maxTracked: 2_000,
  /**
   * With several writers, a message may commit after a newer one was read (its `seq` was taken
   * earlier): each read starts again from where the reads of this last while started.
   */
  lookbackMs: 500,
  /** A comment line keeps proxies and the server's idle timeout from closing a quiet stream. */
  heartbeatMs: 15_000,
  /** A stream ends after this long (EventSource reconnects and is authorized again). */
  maxAgeMs: 5 * 60_000,
} as const;

/** Statuses after which a message no longer changes. */
const FINAL: ReadonlySet<MessageStatus> = new Set([
  'delivered',
  'undelivered',
  'failed',
  'received',
  'read',
  'canceled',
]);

/** The bounds a feed works with (tests shrink them). */
export type StreamLimits = { readonly [K in keyof typeof STREAM_LIMITS]: number };

const ROUTE = '/loft/v1/Accounts/:AccountSid/Messages/Stream';

/** What one read found: the event to send, if anything changed. */
interface Update {
  /** New messages, newest first (at most `maxSent`, else none). */
  messages: Record<string, unknown>[];
  /** How many new messages there were in all. */
  new_count: number;
  /** Followed messages whose status (or anything else) changed, as they are now. */
  changed: Record<string, unknown>[];
}

/**
 * The state of one live feed: everything newer than `after` (a `seq`) that matches the filters
 * is new once, and the unfinished messages it has shown are followed until they finish.
 */
export class LiveFeed {
  private after: number;
  private readonly tracked = new Map<string, string>();
  /** Positions read above the look-back floor, when late commits are possible. */
  private readonly recent = new Set<number>();
  /** The reads of the last `lookbackMs`, oldest first: when, and the `after` each started from. */
  private readonly reads: { at: number; after: number }[] = [];
  /** Where reads start again with late commits (see {@link read}): it never goes down. */
  private floor: number;

  constructor(
    private readonly store: Store,
    private readonly filter: MessageFilter,
    private readonly keep: MessagePredicate | undefined,
    after: number,
    private readonly lateCommits: boolean,
    private readonly limits: StreamLimits = STREAM_LIMITS,
  ) {
    this.after = after;
    this.floor = after;
  }

  /** The position to resume from (`Last-Event-ID`). */
  get position(): number {
    return this.after;
  }

  /** Follows the unfinished messages of the newest page (what the console shows at first). */
  async start(): Promise<void> {
    const rows = await this.store.messages.list(this.filter, {
      limit: this.limits.maxSent,
      direction: 'after',
      cursor: { seq: this.after + 1 },
    });
    for (const m of rows) if (this.matches(m)) this.track(m);
  }

  private matches(m: Message): boolean {
    return this.keep === undefined || this.keep(m);
  }

  private track(m: Message): void {
    if (FINAL.has(m.status)) return;
    if (this.tracked.size >= this.limits.maxTracked) {
      const oldest = this.tracked.keys().next().value;
      if (oldest !== undefined) this.tracked.delete(oldest);
    }
    this.tracked.set(m.sid, stamp(m));
  }

  /** Reads what is new and what changed since the last read. */
  async read(now: number): Promise<Update | undefined> {
    const fresh: Message[] = [];
    let count = 0;
    // Late commits: a read starts again from where the oldest read of the last `lookbackMs`
    // started, so a position that was not visible then (taken by a transaction still running)
    // is read once it commits, even below every position read since; any there not read before
    // is new. Not from the lowest position read since: a late one below it was never read again
    // (of two creates committing in reverse order, the first was lost). Positions above that
    // floor stay remembered, so nothing is counted twice; the floor only rises, and those at or
    // below it, which no read reaches again, are forgotten.
    let from = this.after;
    if (this.lateCommits) {
      while (this.reads.length > 0 && this.reads[0]!.at < now - this.limits.lookbackMs)
        this.reads.shift();
      // Never below an earlier floor (a clock set back): what is under it is forgotten.
      this.floor = Math.max(this.floor, this.reads[0]?.after ?? this.after);
      from = this.floor;
      this.reads.push({ at: now, after: this.after });
      for (const seq of this.recent) if (seq <= from) this.recent.delete(seq);
    }
    let scanned = 0;
    let rescanned = 0;
    while (scanned < this.limits.maxScan && rescanned < this.limits.maxRescan) {
      const rows = await this.store.messages.list(this.filter, {
        limit: this.limits.chunk,
        direction: 'before',
        cursor: { seq: from },
      });
      // Newest first; walk them oldest first.
      for (let i = rows.length - 1; i >= 0; i--) {
        const m = rows[i]!;
        from = m.seq;
        if (m.seq <= this.after && (!this.lateCommits || this.recent.has(m.seq))) {
          rescanned++;
          continue;
        }
        scanned++;
        if (this.lateCommits) this.recent.add(m.seq);
        if (m.seq > this.after) this.after = m.seq;
        if (!this.matches(m)) continue;
        count++;
        fresh.push(m);
        if (fresh.length > this.limits.maxSent) fresh.shift();
      }
      if (rows.length < this.limits.chunk) break;
    }
    const sending = count <= this.limits.maxSent ? fresh : [];
    for (const m of sending) this.track(m);
    const sent = new Set(sending.map((m) => m.sid));
    const changed: Message[] = [];
    const follow = [...this.tracked.keys()].filter((sid) => !sent.has(sid));
    for (let i = 0; i < follow.length; i += this.limits.chunk) {
      const rows = await this.store.messages.findManyBySid(follow.slice(i, i + this.limits.chunk));
      const found = new Set<string>();
      for (const m of rows) {
        found.add(m.sid);
        if (m.accountSid !== this.filter.accountSid) continue;
        if (this.tracked.get(m.sid) !== stamp(m)) changed.push(m);
        if (FINAL.has(m.status)) this.tracked.delete(m.sid);
        else this.tracked.set(m.sid, stamp(m));
      }
      // Deleted meanwhile: nothing more to follow.
      for (const sid of follow.slice(i, i + this.limits.chunk)) {
        if (!found.has(sid)) this.tracked.delete(sid);
      }
    }
    if (count === 0 && changed.length === 0) return undefined;
    return {
      messages: sending.reverse().map(toMessageJson),
      new_count: count,
      changed: changed.map(toMessageJson),
    };
  }
}

const stamp = (m: Message): string => `${m.status}|${m.dateUpdated}|${m.price ?? ''}`;

/** The `seq` a live token (`PB…`) or `Last-Event-ID` names. */
function parsePosition(raw: string): number {
  const text = raw.startsWith('PB') ? Buffer.from(raw.slice(2), 'base64url').toString() : raw;
  if (!/^\d{1,15}$/.test(text)) throw badRequest(20001, `Invalid After '${raw}'`);
  return Number(text);
}

/**
 * `GET /loft/v1/Accounts/{AC}/Messages/Stream`: the message log, live, as Server-Sent Events.
 * Takes the filters of `…/Messages` (not the DateSent ones) and `After`, the `live_token` of the
 * first page it continues (else: from now). Each `messages` event carries the new messages
 * (newest first; when more than 50 arrived since the last event, only their count,
 * `new_count`, so a busy log is never behind) and `changed`, the messages shown since the start
 * whose status changed. Reads happen on the store's message events (PostgreSQL NOTIFY from any
 * process) and every 500 ms, at most every 150 ms; a slow reader is sent coalesced events.
 */
export function messageStreamRoute(app: FastifyInstance, store: Store): void {
  const streams = new LongPollLimiter(STREAM_LIMITS);
  // Open streams end when the server closes (else closing would wait for them).
  const open = new Set<() => void>();
  app.addHook('preClose', (done) => {
    for (const end of open) end();
    done();
  });
  app.get(ROUTE, async (req, reply) => {
    const principal = await authenticate(store, req.headers.authorization, `GET ${ROUTE}`);
    const { AccountSid } = req.params as { AccountSid: string };
    const account = await authorizeAccount(store, principal, AccountSid);
    const params = (req.query ?? {}) as FormParams;
    const filter = readMessageFilter(account.sid, params);
    if (filter.sentFrom !== undefined || filter.sentTo !== undefined) {
      throw badRequest(20001, 'The live stream does not take DateSent filters');
    }
    const keep = readExtraFilter(params);
    const lastId = req.headers['last-event-id'];
    const given = typeof lastId === 'string' && lastId !== '' ? lastId : single(params, 'After');
    let after: number;
    if (given) after = parsePosition(given);
    else {
      const [newest] = await store.messages.list(filter, { limit: 1, direction: 'after' });
      after = newest?.seq ?? 0;
    }
    const release = streams.acquire(account.sid);
    if (!release) throw new TwilioError(429, 20429, 'Too Many Requests: too many open streams');
    const feed = new LiveFeed(
      store,
      filter,
      keep,
      after,
      store.capabilities.writers > 1 || store.capabilities.multiProcess,
    );
    try {
      await feed.start();
    } catch (e) {
      release();
      throw e;
    }

    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      ...Object.fromEntries(Object.entries(reply.getHeaders()).map(([k, v]) => [k, String(v)])),
    });
    res.write(`retry: 1000\nid: ${feed.position}\nevent: ready\ndata: {}\n\n`);

    let closed = false;
    let running = false;
    let again = false;
    let lastRead = 0;
    let timer: NodeJS.Timeout | undefined;
    const run = async () => {
      timer = undefined;
      if (closed) return;
      // A reader that has not taken the last event yet gets the next one coalesced, later.
      if (running || res.writableNeedDrain) {
        again = true;
        return;
      }
      running = true;
      lastRead = Date.now();
      try {
        const update = await feed.read(Date.now());
        if (update && !closed) {
          res.write(`id: ${feed.position}\nevent: messages\ndata: ${JSON.stringify(update)}\n\n`);
        }
      } catch (e) {
        req.log.warn({ err: e }, 'message stream read failed');
      } finally {
        running = false;
        if (again) {
          again = false;
          schedule();
        }
      }
    };
    const schedule = () => {
      if (closed || timer) return;
      // run() catches its own failures (logged), so nothing is left to handle here.
      timer = setTimeout(
        () => void run(),
        Math.max(0, lastRead + STREAM_LIMITS.minGapMs - Date.now()),
      );
    };
    const poll = setInterval(schedule, STREAM_LIMITS.pollMs);
    const beat = setInterval(() => res.write(': keep-alive\n\n'), STREAM_LIMITS.heartbeatMs);
    const end = setTimeout(() => res.end(), STREAM_LIMITS.maxAgeMs);
    res.on('drain', schedule);
    const signal: { off?: () => Promise<void> } = {};
    const close = () => {
      if (closed) return;
      closed = true;
      open.delete(finish);
      clearInterval(poll);
      clearInterval(beat);
      clearTimeout(end);
      if (timer) clearTimeout(timer);
      release();
      void signal.off?.();
    };
    res.on('close', close);
    const finish = () => {
      close();
      res.end();
    };
    open.add(finish);
    signal.off = await store.signals?.subscribe(EVENTS_CHANNEL, schedule);
    if (closed) void signal.off?.();
  });
}
