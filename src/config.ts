import { parseArgs } from 'node:util';
import type { PriceOverrides } from './delivery/pricing.js';
import { isPostgresUrl, parsePostgresUrl } from './store/postgres/postgres.url.js';
import { defaultOutboundDeny, parseDenyList } from './http/outbound.deny.js';
import type { SmppCarrierConfig } from './delivery/smpp/smpp.types.js';
import { parseCarriers } from './delivery/carriers/carriers.config.js';
import { parseRoutes, type RouteRule } from './delivery/carriers/routes.config.js';

/** Validated, frozen runtime configuration. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `sqlite:PATH` (or `sqlite::memory:`), or `postgres://…` / `postgresql://…`. */
  readonly databaseUrl: string;
  /** The main account's credentials, when given; otherwise generated on first start. */
  readonly mainAccount: { readonly sid: string; readonly authToken: string } | undefined;
  /** Base URL clients use to reach this server (for printed hints and absolute links). */
  readonly publicBaseUrl: string;
  readonly logLevel: string;
  /** LOG_REQUESTS: one log line per request (off). */
  readonly logRequests: boolean;
  /** LOG_FORMAT: JSON lines, or readable ones (pino-pretty); unset: pretty on a TTY. */
  readonly logFormat: 'json' | 'pretty' | undefined;
  /** SHUTDOWN_TIMEOUT: on SIGTERM/SIGINT, the longest wait for work in flight (10 s). */
  readonly shutdownTimeoutMs: number;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
  /** The simulated carrier network. */
  readonly sim: {
    readonly deliveryDelayMs: number;
    readonly seed: string;
    /** Failure-injection rules, as accepted by `PUT /sim/rules`. */
    readonly rules: unknown[];
    /** The global chaos mix, as accepted by `PUT /sim/chaos`. */
    readonly chaos: unknown;
    /** `SIM=off`: no simulated carrier and no `/sim` API (production). */
    readonly enabled: boolean;
    /** Which of the settings above were given (those replace the stored ones at start-up). */
    readonly given: {
      readonly deliveryDelayMs: boolean;
      readonly seed: boolean;
      readonly rules: boolean;
      readonly chaos: boolean;
    };
  };
  /** Message retention per account: max age (ms) and/or max count; sweep interval (ms). */
  readonly retention: {
    readonly maxAgeMs: number | undefined;
    readonly maxCount: number | undefined;
    readonly intervalMs: number;
  };
  /** How long a claimed job stays leased without renewal (a dead process's jobs wait this long). */
  readonly jobLeaseMs: number;
  /** Per-request timeout of webhooks (status callbacks, inbound), ms. */
  readonly webhookTimeoutMs: number;
  /** How long a failing status callback is retried after its first attempt, at least (ms). */
  readonly webhookRetrySpanMs: number;
  /** Per-sender pacing like Twilio's (1 segment/s long code, 3 toll-free, 100 short code). */
  readonly pacing: boolean;
  /** Whether this process runs the background workers (dispatch, delivery reports, webhooks). */
  readonly workers: boolean;
  /** Per-segment (SMS) / per-message (MMS) prices by country, over Twilio's US defaults. */
  readonly prices: PriceOverrides | undefined;
  /** OUTBOUND_DENY: CIDR ranges and host names media fetches and webhooks may not reach. */
  readonly outboundDeny: readonly string[];
  /** `/metrics`: who may read it, and where `loft worker` serves it. */
  readonly metrics: {
    /** METRICS_TOKEN: the bearer token scrapes must send; unset = loopback clients only. */
    readonly token: string | undefined;
    /** METRICS_PORT: `loft worker`'s port for /metrics and /livez; unset = not served. */
    readonly port: number | undefined;
  };
  /** Bound of the SQLite WAL file in MB (0: unbounded); see src/store/sqlite/wal-bound.ts. */
  readonly sqliteWalLimitMb: number;

  /**
   * Webhook requests in flight at once per receiving origin (scheme, host and port) and per
   * account: a receiver that hangs takes only its own slots.
   */
  readonly webhookLimits: OutboundLimits;
  /** MMS media fetches in flight at once per MediaUrl origin and per account (likewise). */
  readonly mediaLimits: OutboundLimits;
  /** CARRIERS: the network carriers (SMPP), validated with their defaults. */
  readonly carriers: readonly SmppCarrierConfig[];
  /** ROUTES: ordered routing rules over the carriers and `sim` (first match wins). */
  readonly routes: readonly RouteRule[];
}

/** Slots of outbound work per destination origin and per account. */
export interface OutboundLimits {
  readonly perOrigin: number;
  readonly perAccount: number;
}

/** A configuration problem; the CLI prints it and exits with status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** CLI flags mirroring the environment variables (`--port` ↔ `PORT`, …), with their help. */
export const FLAGS = {
  port: { type: 'string', env: 'PORT', arg: 'N', help: 'TCP port (3000; 0 picks a free one)' },
  host: { type: 'string', env: 'HOST', arg: 'H', help: 'interface to listen on (127.0.0.1)' },
  'database-url': {
    type: 'string',
    env: 'DATABASE_URL',
    arg: 'URL',
    help: 'store: sqlite:PATH or postgres://user@host:5432/db (sqlite:./data/loft.db)',
  },
  'account-sid': {
    type: 'string',
    env: 'TWILIO_ACCOUNT_SID',
    arg: 'AC…',
    help: "main account's SID (generated once when unset)",
  },
  'auth-token': {
    type: 'string',
    env: 'TWILIO_AUTH_TOKEN',
    arg: 'TOKEN',
    help: "main account's auth token (with --account-sid)",
  },
  'public-base-url': {
    type: 'string',
    env: 'PUBLIC_BASE_URL',
    arg: 'URL',
    help: 'URL clients use to reach Loft (http://HOST:PORT)',
  },
  'log-level': {
    type: 'string',
    env: 'LOG_LEVEL',
    arg: 'LEVEL',
    help: 'fatal … trace, silent (info)',
  },
  'log-requests': {
    type: 'string',
    env: 'LOG_REQUESTS',
    arg: 'on|off',
    help: 'a log line per request: request id, method, route, status, duration (off)',
  },
  'log-format': {
    type: 'string',
    env: 'LOG_FORMAT',
    arg: 'json|pretty',
    help: 'log lines as JSON or readable (pretty on a terminal, else json)',
  },
  'shutdown-timeout': {
    type: 'string',
    env: 'SHUTDOWN_TIMEOUT',
    arg: 'D',
    help: 'on SIGTERM, longest wait for requests and jobs in flight, e.g. 10s, 500ms (10s)',
  },
  'body-limit': {
    type: 'string',
    env: 'BODY_LIMIT',
    arg: 'BYTES',
    help: 'largest request body (1048576)',
  },
  'sim-delay-ms': {
    type: 'string',
    env: 'SIM_DELAY_MS',
    arg: 'N',
    help: 'simulated network delay before a delivery report (1000)',
  },
  'sim-seed': {
    type: 'string',
    env: 'SIM_SEED',
    arg: 'S',
    help: 'seed of probabilistic simulator outcomes (loft)',
  },
  'sim-rules': {
    type: 'string',
    env: 'SIM_RULES',
    arg: 'JSON',
    help: 'failure-injection rules, e.g. \'[{"match":"+1555*","outcome":"undelivered:30003"}]\'',
  },
  'sim-chaos': {
    type: 'string',
    env: 'SIM_CHAOS',
    arg: 'JSON',
    help: 'global mix, e.g. \'{"mix":[{"probability":0.05,"outcome":"failed"}]}\'',
  },
  carriers: {
    type: 'string',
    env: 'CARRIERS',
    arg: 'JSON|@FILE',
    help: 'SMPP carriers, e.g. \'[{"name":"a","type":"smpp","host":"smsc","port":2775,…}]\'',
  },
  routes: {
    type: 'string',
    env: 'ROUTES',
    arg: 'JSON|@FILE',
    help: 'routing rules, first match wins, e.g. \'[{"match":"+33*","carriers":["a","sim"]}]\'',
  },
  prices: {
    type: 'string',
    env: 'PRICES',
    arg: 'JSON',
    help: 'prices by country, e.g. \'{"US":{"sms":0.0083,"mms":0.022}}\'',
  },
  workers: {
    type: 'string',
    env: 'WORKERS',
    arg: 'on|off',
    help: 'run dispatch, delivery reports and webhooks in this process (on)',
  },
  pacing: {
    type: 'string',
    env: 'PACING',
    arg: 'on|off',
    help: 'Twilio-like per-sender rates, long code 1 segment/s (off)',
  },
  'webhook-timeout-ms': {
    type: 'string',
    env: 'WEBHOOK_TIMEOUT_MS',
    arg: 'N',
    help: 'per-request timeout of webhooks (10000)',
  },
  'webhook-retry-span': {
    type: 'string',
    env: 'WEBHOOK_RETRY_SPAN',
    arg: 'D',
    help: 'retry a failing status callback for at least this long, e.g. 1h, 90m, 0 (1h)',
  },
  'retention-max-age': {
    type: 'string',
    env: 'RETENTION_MAX_AGE',
    arg: 'D',
    help: 'delete finished messages older than this, e.g. 30d, 12h (off)',
  },
  'retention-max-count': {
    type: 'string',
    env: 'RETENTION_MAX_COUNT',
    arg: 'N',
    help: 'finished messages kept per account (1000000; 0 = no limit)',
  },
  'retention-interval': {
    type: 'string',
    env: 'RETENTION_INTERVAL',
    arg: 'D',
    help: 'time between retention sweeps (60s)',
  },
  'job-lease': {
    type: 'string',
    env: 'JOB_LEASE',
    arg: 'D',
    help: "lease of a claimed job; a dead process's jobs wait this long (30s)",
  },
  'outbound-deny': {
    type: 'string',
    env: 'OUTBOUND_DENY',
    arg: 'LIST',
    help: 'CIDR ranges and host names webhooks and media fetches may not reach (none; the private ranges with SIM=off)',
  },
  'sqlite-wal-limit-mb': {
    type: 'string',
    env: 'SQLITE_WAL_LIMIT_MB',
    arg: 'MB',
    help: 'most the SQLite WAL file may hold; writes wait for checkpoints (64; 0 = unbounded)',
  },
  'webhook-origin-limit': {
    type: 'string',
    env: 'WEBHOOK_ORIGIN_LIMIT',
    arg: 'N',
    help: 'webhook requests in flight at once to one origin (128)',
  },
  'webhook-account-limit': {
    type: 'string',
    env: 'WEBHOOK_ACCOUNT_LIMIT',
    arg: 'N',
    help: 'webhook requests in flight at once for one account (512)',
  },
  'media-origin-limit': {
    type: 'string',
    env: 'MEDIA_ORIGIN_LIMIT',
    arg: 'N',
    help: 'MMS media fetches in flight at once from one origin (8)',
  },
  'media-account-limit': {
    type: 'string',
    env: 'MEDIA_ACCOUNT_LIMIT',
    arg: 'N',
    help: 'MMS media fetches in flight at once for one account (32)',
  },
  sim: {
    type: 'string',
    env: 'SIM',
    arg: 'on|off',
    help: 'the simulated carrier and /sim (on); off in production',
  },
  'metrics-token': {
    type: 'string',
    env: 'METRICS_TOKEN',
    arg: 'TOKEN',
    help: 'bearer token /metrics requires, 16+ characters (unset: loopback clients only)',
  },
  'metrics-port': {
    type: 'string',
    env: 'METRICS_PORT',
    arg: 'N',
    help: 'port of /metrics and /livez (unset: not served; 0 picks a free one)',
  },
} as const;

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `15m`, `12h`, `30d`, `250ms`, or plain seconds; `0`/`off` = undefined. */
function duration(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '0' || raw.toLowerCase() === 'off') return undefined;
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!m)
    throw new ConfigError(`${name} must be a duration like 30d, 12h, 15m or 90s, got '${raw}'`);
  return Number(m[1]) * (UNITS[m[2] ?? 's'] ?? 1000);
}

const onOff = (name: string, raw: string | undefined, def: boolean): boolean => {
  if (raw === undefined) return def;
  const v = raw.toLowerCase();
  if (['on', 'true', '1'].includes(v)) return true;
  if (['off', 'false', '0'].includes(v)) return false;
  throw new ConfigError(`${name} must be on or off, got '${raw}'`);
};

function json(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new ConfigError(`${name} must be JSON, got '${raw}'`);
  }
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * `PRICES`: country code (ISO 3166 alpha-2, upper case) or `*` → {sms?, mms?}, each a
 * non-negative number. Anything else fails start-up: a typo ("SMS", "us", "0.01" as a string)
 * would otherwise price messages at a default or NaN without a word.
 */
function prices(raw: string | undefined): PriceOverrides | undefined {
  const value = json('PRICES', raw);
  if (value === undefined) return undefined;
  const example = '{"US":{"sms":0.0083,"mms":0.022},"*":{"sms":0.01}}';
  if (!isObject(value)) throw new ConfigError(`PRICES must be a JSON object like ${example}`);
  for (const [country, row] of Object.entries(value)) {
    if (country !== '*' && !/^[A-Z]{2}$/.test(country)) {
      throw new ConfigError(
        `PRICES: '${country}' is not a two-letter upper-case country code (US, GB, …) or *`,
      );
    }
    if (!isObject(row)) {
      throw new ConfigError(`PRICES.${country} must be an object like {"sms":0.0083,"mms":0.022}`);
    }
    for (const [key, price] of Object.entries(row)) {
      if (key !== 'sms' && key !== 'mms') {
        throw new ConfigError(`PRICES.${country}: unknown key '${key}' (only sms and mms)`);
      }
      if (typeof price !== 'number' || !Number.isFinite(price) || price < 0) {
        throw new ConfigError(
          `PRICES.${country}.${key} must be a non-negative number, got ${JSON.stringify(price)}`,
        );
      }
    }
  }
  return value as PriceOverrides;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * Reads flags (which win) and environment variables into a validated Config. Throws
 * ConfigError naming the offending setting, so a bad value fails fast at start-up.
 */
export function loadConfig(argv: string[], env: NodeJS.ProcessEnv): Config {
  const options = Object.fromEntries(
    Object.entries(FLAGS).map(([name, f]) => [name, { type: f.type }]),
  ) as Record<keyof typeof FLAGS, { type: 'string' }>;
  let values: Partial<Record<keyof typeof FLAGS, string>>;
  try {
    values = parseArgs({ args: argv, options, allowPositionals: false, strict: true }).values;
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const get = (name: keyof typeof FLAGS): string | undefined => {
    const v = values[name] ?? env[FLAGS[name].env];
    return v === undefined || v === '' ? undefined : v;
  };

  const portRaw = get('port') ?? '3000';
  const port = Number(portRaw);
  if (!/^\d+$/.test(portRaw) || port > 65535) {
    throw new ConfigError(`PORT must be an integer from 0 to 65535, got '${portRaw}'`);
  }
  const host = get('host') ?? '127.0.0.1';
  const databaseUrl = get('database-url') ?? 'sqlite:./data/loft.db';
  if (isPostgresUrl(databaseUrl)) {
    try {
      parsePostgresUrl(databaseUrl);
    } catch (e) {
      throw new ConfigError(`DATABASE_URL: ${(e as Error).message}`);
    }
  } else if (!databaseUrl.startsWith('sqlite:')) {
    throw new ConfigError(
      `DATABASE_URL must be sqlite:PATH or postgres://user@host:port/db, got '${databaseUrl}'`,
    );
  }
  const sid = get('account-sid');
  const token = get('auth-token');
  if ((sid === undefined) !== (token === undefined)) {
    throw new ConfigError('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN must be given together');
  }
  if (sid !== undefined && !/^AC[0-9a-fA-F]{32}$/.test(sid)) {
    throw new ConfigError(`TWILIO_ACCOUNT_SID must be AC followed by 32 hex digits, got '${sid}'`);
  }
  const logLevel = get('log-level') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got '${logLevel}'`);
  }
  const bodyLimitRaw = get('body-limit') ?? String(1024 * 1024);
  if (!/^\d+$/.test(bodyLimitRaw) || Number(bodyLimitRaw) < 1024) {
    throw new ConfigError(
      `BODY_LIMIT must be an integer of at least 1024 bytes, got '${bodyLimitRaw}'`,
    );
  }
  const shownHost = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const publicBaseUrl = (get('public-base-url') ?? `http://${shownHost}:${port}`).replace(
    /\/+$/,
    '',
  );
  try {
    new URL(publicBaseUrl);
  } catch {
    throw new ConfigError(`PUBLIC_BASE_URL must be an absolute URL, got '${publicBaseUrl}'`);
  }
  const delayRaw = get('sim-delay-ms') ?? '1000';
  if (!/^\d+$/.test(delayRaw)) {
    throw new ConfigError(`SIM_DELAY_MS must be a non-negative integer, got '${delayRaw}'`);
  }
  const rules = json('SIM_RULES', get('sim-rules')) ?? [];
  if (!Array.isArray(rules)) throw new ConfigError('SIM_RULES must be a JSON array of rules');
  const webhookTimeoutRaw = get('webhook-timeout-ms') ?? '10000';
  if (!/^\d+$/.test(webhookTimeoutRaw) || Number(webhookTimeoutRaw) < 1) {
    throw new ConfigError(
      `WEBHOOK_TIMEOUT_MS must be a positive integer, got '${webhookTimeoutRaw}'`,
    );
  }
  const maxCountRaw = get('retention-max-count') ?? '1000000';
  if (!/^\d+$/.test(maxCountRaw)) {
    throw new ConfigError(
      `RETENTION_MAX_COUNT must be a non-negative integer, got '${maxCountRaw}'`,
    );
  }
  const retention = Object.freeze({
    maxAgeMs: duration('RETENTION_MAX_AGE', get('retention-max-age')),
    maxCount: maxCountRaw === '0' ? undefined : Number(maxCountRaw),
    intervalMs: duration('RETENTION_INTERVAL', get('retention-interval') ?? '60s') ?? 60_000,
  });
  const walLimitRaw = get('sqlite-wal-limit-mb') ?? '64';
  if (!/^\d+$/.test(walLimitRaw) || Number(walLimitRaw) > 1_000_000) {
    throw new ConfigError(
      `SQLITE_WAL_LIMIT_MB must be a whole number of MB (0 = unbounded), got '${walLimitRaw}'`,
    );
  }
  const simEnabled = onOff('SIM', get('sim'), true);
  // An empty OUTBOUND_DENY is a setting (deny nothing), not an absent one.
  const outboundRaw = values['outbound-deny'] ?? env['OUTBOUND_DENY'];
  let outboundDeny: readonly string[];
  try {
    // Unset: nothing with the simulator on (local webhooks), private ranges with SIM=off.
    outboundDeny = parseDenyList(outboundRaw ?? defaultOutboundDeny(simEnabled)).entries;
  } catch (e) {
    throw new ConfigError(`OUTBOUND_DENY: ${(e as Error).message}`);
  }
  const metricsToken = get('metrics-token');
  if (metricsToken !== undefined && !/^[\x21-\x7e]{16,}$/.test(metricsToken)) {
    throw new ConfigError(
      'METRICS_TOKEN must be at least 16 printable characters without spaces (e.g. openssl rand -hex 24)',
    );
  }
  const metricsPortRaw = get('metrics-port');
  if (
    metricsPortRaw !== undefined &&
    (!/^\d+$/.test(metricsPortRaw) || Number(metricsPortRaw) > 65535)
  ) {
    throw new ConfigError(
      `METRICS_PORT must be an integer from 0 to 65535, got '${metricsPortRaw}'`,
    );
  }
  const limit = (name: keyof typeof FLAGS, def: number): number => {
    const raw = get(name) ?? String(def);
    if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 100_000) {
      throw new ConfigError(`${FLAGS[name].env} must be an integer from 1 to 100000, got '${raw}'`);
    }
    return Number(raw);
  };
  const webhookLimits = Object.freeze({
    perOrigin: limit('webhook-origin-limit', 128),
    perAccount: limit('webhook-account-limit', 512),
  });
  const mediaLimits = Object.freeze({
    perOrigin: limit('media-origin-limit', 8),
    perAccount: limit('media-account-limit', 32),
  });
  const logFormat = get('log-format');
  if (logFormat !== undefined && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty, got '${logFormat}'`);
  }
  const shutdownTimeoutMs = duration('SHUTDOWN_TIMEOUT', get('shutdown-timeout') ?? '10s') ?? 0;
  const carriers = parseCarriers(get('carriers'));
  const routes = parseRoutes(get('routes'), {
    carriers: carriers.map((c) => c.name),
    simulator: simEnabled,
  });
  return Object.freeze({
    port,
    host,
    databaseUrl,
    mainAccount: sid && token ? Object.freeze({ sid, authToken: token }) : undefined,
    publicBaseUrl,
    logLevel,
    logRequests: onOff('LOG_REQUESTS', get('log-requests'), false),
    logFormat,
    shutdownTimeoutMs,
    bodyLimit: Number(bodyLimitRaw),
    sim: Object.freeze({
      deliveryDelayMs: Number(delayRaw),
      seed: get('sim-seed') ?? 'loft',
      rules,
      chaos: json('SIM_CHAOS', get('sim-chaos')) ?? null,
      enabled: simEnabled,
      given: Object.freeze({
        deliveryDelayMs: get('sim-delay-ms') !== undefined,
        seed: get('sim-seed') !== undefined,
        rules: get('sim-rules') !== undefined,
        chaos: get('sim-chaos') !== undefined,
      }),
    }),
    prices: prices(get('prices')),
    workers: onOff('WORKERS', get('workers'), true),
    pacing: onOff('PACING', get('pacing'), false),
    webhookTimeoutMs: Number(webhookTimeoutRaw),
    webhookRetrySpanMs: duration('WEBHOOK_RETRY_SPAN', get('webhook-retry-span') ?? '1h') ?? 0,
    retention,
    jobLeaseMs: Math.max(1000, duration('JOB_LEASE', get('job-lease') ?? '30s') ?? 30_000),
    outboundDeny: Object.freeze([...outboundDeny]),
    metrics: Object.freeze({
      token: metricsToken,
      port: metricsPortRaw === undefined ? undefined : Number(metricsPortRaw),
    }),
    sqliteWalLimitMb: Number(walLimitRaw),

    webhookLimits,
    mediaLimits,
    carriers: Object.freeze(carriers),
    routes: Object.freeze(routes),
  });
}
