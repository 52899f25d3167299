import { mulberry32, MULBERRY32_STEP } from '../random.js';
import { SingleBar } from 'cli-progress';
import { accountsService } from '../accounts/accounts.service.js';
import { systemClock } from '../clock.js';
import { ConfigError, loadConfig } from '../config.js';
import { SIM_ERRORS } from '../delivery/simulator/sim.rules.js';
import { priceOf, DEFAULT_PRICES } from '../delivery/pricing.js';
import { randomIds, type Ids } from '../ids.js';
import { countSegments } from '../messages/segments.js';
import type { Message } from '../store/records.js';
import { openStore } from '../store/open.js';
import { redactUrl } from '../store/postgres/postgres.url.js';
import { commandHelp, configFlags } from './help.js';
import type { Store } from '../store/store.js';

/** The senders every seeded outbound message comes from (and inbound ones go to). */
export const SEED_FROM = [
  '+15017122661',
  '+15017122662',
  '+15017122663',
  '+15017122664',
  '+15017122665',
] as const;

/** 1,000 recipients, `+14155551000` … `+14155551999`. */
const SEED_TO_COUNT = 1000;
/** The first ten recipients are "hot": about 1 % of all messages each, so To= pages are full. */
const SEED_HOT_TO = 10;

/** The i-th seeded recipient number. */
export const seedTo = (i: number): string => `+1415555${1000 + (i % SEED_TO_COUNT)}`;

/** What to seed. */
export interface SeedOptions {
  accountSid: string;
  count: number;
  /** Messages per transaction (default 10,000). */
  batchSize?: number;
  /** PRNG seed: the same seed gives the same bodies, numbers, statuses and times. */
  seed?: number;
  /** The newest message is created at `now`; the oldest `days` earlier (default 90). */
  now?: number;
  days?: number;
  /** SIDs; random by default, so seeding twice into one store appends. */
  ids?: Ids;
  /** Batches in flight at once (default 1); above 1 only helps a store with several connections. */
  concurrency?: number;
  /** Called after every committed batch with the number of messages stored so far. */
  onProgress?: (done: number) => void;
}

/** What a seed run did. */
export interface SeedResult {
  count: number;
  ms: number;
  perSecond: number;
}

/** mulberry32: a small, fast, seeded PRNG returning floats in [0, 1). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => mulberry32((a = (a + MULBERRY32_STEP) >>> 0));
}

/** Body templates; `#` is replaced by one digit each, so a template's segment count is fixed. */
const OUTBOUND = [
  'Your verification code is ######. It expires in 10 minutes.',
  'Hi! Your order ####### has shipped and should arrive within 2 business days.',
  'Reminder: your appointment is tomorrow at 10:30. Reply C to confirm or R to reschedule.',
  'Your table for 2 is ready. Please come to the host stand within 10 minutes. Ref ####.',
  'Flash sale! 20% off everything this weekend with code SAVE####. Terms apply. Reply STOP to ' +
    'opt out. We will never ask for your password by text; if someone does, it is not us. ####',
].map((t) => ({ text: t, segments: countSegments(t).segments }));
const INBOUND = ['C', 'Thanks!', 'Can you call me back?', 'R', 'What time do you open?'].map(
  (t) => ({ text: t, segments: countSegments(t).segments }),
);
const UNDELIVERED = [30003, 30005, 30006, 30007];

/**
 * Builds messages `[start, start + n)` of a seed run: mostly delivered outbound, ~3 %
 * undelivered, ~1 % failed, ~3 % received inbound; created at increasing times over the period,
 * sent a moment later.
 */
function buildBatch(
  opts: Required<Pick<SeedOptions, 'accountSid' | 'count' | 'now' | 'days'>>,
  ids: Ids,
  rand: () => number,
  start: number,
  n: number,
): Message[] {
  const span = opts.days * 86_400_000;
  const step = span / opts.count;
  const oldest = opts.now - span;
  const out: Message[] = new Array<Message>(n);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const created = Math.floor(oldest + i * step + rand() * step * 0.5);
    const kind = rand();
    const sender = SEED_FROM[Math.floor(rand() * SEED_FROM.length)] as string;
    const handset =
      rand() < 0.1
        ? seedTo(Math.floor(rand() * SEED_HOT_TO))
        : seedTo(Math.floor(rand() * SEED_TO_COUNT));
    const inbound = kind >= 0.97;
    const template = inbound
      ? (INBOUND[Math.floor(rand() * INBOUND.length)] as (typeof INBOUND)[number])
      : (OUTBOUND[Math.floor(rand() * OUTBOUND.length)] as (typeof OUTBOUND)[number]);
    const body = template.text.replace(/#/g, () => String(Math.floor(rand() * 10)));
    const failed = !inbound && kind >= 0.96;
    const undelivered = !inbound && !failed && kind >= 0.93;
    const errorCode = failed
      ? 30008
      : undelivered
        ? (UNDELIVERED[Math.floor(rand() * UNDELIVERED.length)] as number)
        : null;
    const sent = failed ? null : created + 200 + Math.floor(rand() * 800);
    const updated = sent === null ? created + 150 : sent + 1000 + Math.floor(rand() * 4000);
    const tag: Record<string, string> =
      !inbound && rand() < 0.05 ? { campaign: rand() < 0.5 ? 'spring' : 'summer' } : {};
    out[k] = {
      seq: 0,
      sid: ids.sid('SM'),
      accountSid: opts.accountSid,
      direction: inbound ? 'inbound' : 'outbound-api',
      status: inbound ? 'received' : failed ? 'failed' : undelivered ? 'undelivered' : 'delivered',
      from: inbound ? handset : sender,
      to: inbound ? sender : handset,
      body,
      numSegments: template.segments,
      numMedia: 0,
      messagingServiceSid: null,
      errorCode,
      errorMessage: errorCode === null ? null : (SIM_ERRORS[errorCode] ?? null),
      price: failed ? null : priceOf(DEFAULT_PRICES, 'US', template.segments, 0),
      priceUnit: failed ? null : 'USD',
      dateCreated: created,
      dateUpdated: inbound ? created : updated,
      dateSent: inbound ? created : sent,
      sendAt: null,
      statusCallback: null,
      tags: tag,
      options: {},
      carrierRef: inbound || failed ? null : `sim-${i}`,
    };
  }
  return out;
}

/**
 * Bulk-loads `count` finished messages into `accountSid` through `store.messages.insertMany`,
 * one transaction per batch and no outbox jobs. Deterministic for a given seed (except SIDs,
 * which come from `ids`).
 */
export async function seedMessages(store: Store, options: SeedOptions): Promise<SeedResult> {
  const opts = {
    accountSid: options.accountSid,
    count: options.count,
    now: options.now ?? Date.now(),
    days: options.days ?? 90,
  };
  const batchSize = Math.max(1, options.batchSize ?? 10_000);
  const ids = options.ids ?? randomIds();
  const rand = prng(options.seed ?? 1);
  const started = performance.now();
  // Up to `concurrency` batches in flight (several connections on PostgreSQL); batches are
  // built in order, so only neighbouring batches can interleave their `seq` ranges.
  const concurrency = Math.max(1, options.concurrency ?? 1);
  let built = 0;
  let done = 0;
  const lane = async (): Promise<void> => {
    while (built < opts.count) {
      const start = built;
      const n = Math.min(batchSize, opts.count - start);
      built += n;
      const batch = buildBatch(opts, ids, rand, start, n).map((message) => ({ message }));
      await store.messages.insertMany(batch);
      done += n;
      options.onProgress?.(done);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  const ms = performance.now() - started;
  return { count: opts.count, ms, perSecond: Math.round(opts.count / (ms / 1000 || 1e-3)) };
}

/** Flags `loft seed` reads itself, with their help; every other flag goes to the configuration. */
const SEED_OPTIONS = {
  count: { arg: 'N', help: 'messages to add (required)' },
  account: { arg: 'AC…', help: 'another existing account (default: the main account)' },
  'batch-size': { arg: 'N', help: 'messages per transaction (10000)' },
  concurrency: { arg: 'N', help: 'batches in flight (1; more helps only on PostgreSQL)' },
  seed: { arg: 'N', help: 'PRNG seed (1): same numbers, statuses, bodies and times' },
  days: { arg: 'N', help: 'period the messages spread over, ending now (90)' },
} as const;
type SeedFlag = keyof typeof SEED_OPTIONS;
const SEED_FLAGS = Object.keys(SEED_OPTIONS) as SeedFlag[];

/** `loft seed --help`. */
export function seedHelp(): string {
  return commandHelp(
    'loft seed --count N [flags]',
    'Bulk-loads N realistic finished messages (for trying out lists and for benchmarks).',
    [
      ...SEED_FLAGS.map((flag) => ({ flag, ...SEED_OPTIONS[flag] })),
      ...configFlags(['database-url', 'account-sid', 'auth-token']),
    ],
  );
}

/** Splits `loft seed`'s own flags (`--count N` or `--count=N`) from the configuration flags. */
function splitFlags(argv: string[]): { own: Partial<Record<SeedFlag, string>>; rest: string[] } {
  const own: Partial<Record<SeedFlag, string>> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1] as SeedFlag | undefined;
    if (m && name && SEED_FLAGS.includes(name)) {
      const value = m[2] ?? argv[++i];
      if (value === undefined) throw new ConfigError(`--${name} needs a value`);
      own[name] = value;
    } else {
      rest.push(arg);
    }
  }
  return { own, rest };
}

function positive(name: string, raw: string | undefined, def: number): number {
  if (raw === undefined) return def;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new ConfigError(`--${name} must be a positive integer, got '${raw}'`);
  }
  return Number(raw);
}

/** Progress: a bar on a terminal, otherwise a plain line every few seconds. */
function progress(total: number, tty: boolean) {
  if (tty) {
    const bar = new SingleBar({
      format:
        'seeding [{bar}] {percentage}% | {value}/{total} | {speed} msg/s | ETA {eta_formatted}',
      hideCursor: true,
    });
    const started = performance.now();
    bar.start(total, 0, { speed: 0 });
    return {
      update: (done: number) =>
        bar.update(done, {
          speed: Math.round(done / ((performance.now() - started) / 1000 || 1e-3)),
        }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update: (done: number) => {
      const now = performance.now();
      if (now - last < 2000 && done < total) return;
      last = now;
      console.log(`seeded ${done}/${total} (${Math.floor((done / total) * 100)} %)`);
    },
    stop: () => {},
  };
}

/**
 * `loft seed --count N [--account AC…] [--batch-size N] [--seed N] [--days N]` plus the usual
 * configuration (DATABASE_URL, TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN, …). Messages go to the main
 * account (created like `serve` would) unless `--account` names another existing one.
 */
export async function seedCommand(argv: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const { own, rest } = splitFlags(argv);
  const config = loadConfig(rest, env);
  const count = positive('count', own.count, 0);
  if (count === 0) throw new ConfigError('loft seed needs --count N');
  const batchSize = positive('batch-size', own['batch-size'], 10_000);
  const seed = positive('seed', own.seed, 1);
  const days = positive('days', own.days, 90);
  const concurrency = positive('concurrency', own.concurrency, 1);
  const store = await openStore(config.databaseUrl, {
    sqliteWalLimitMb: config.sqliteWalLimitMb,
    onWarning: (msg) => console.warn(msg),
  });
  try {
    const main = await accountsService({ store, clock: systemClock, ids: randomIds() }).ensureMain(
      config.mainAccount,
    );
    if (main.created && !config.mainAccount) {
      console.log(`Main account: ${main.account.sid}`);
      console.log(`Auth token:   ${main.account.authToken}   (generated now; shown only once)`);
    }
    const accountSid = own.account ?? main.account.sid;
    if (own.account !== undefined && !(await store.accounts.get(accountSid))) {
      throw new ConfigError(`--account ${accountSid}: no such account in this store`);
    }
    const bar = progress(count, process.stdout.isTTY === true);
    const result = await seedMessages(store, {
      accountSid,
      count,
      batchSize,
      seed,
      days,
      concurrency,
      onProgress: bar.update,
    });
    bar.stop();
    console.log(
      `seeded ${result.count} messages into ${accountSid} on ${redactUrl(config.databaseUrl)} ` +
        `in ${(result.ms / 1000).toFixed(1)} s (${result.perSecond} msg/s)`,
    );
    return 0;
  } finally {
    await store.close();
  }
}
