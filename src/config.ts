import { parseArgs } from 'node:util';
import { isPostgresUrl, parsePostgresUrl } from './store/postgres/postgres.url.js';

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
  /** Per-sender pacing like Twilio's (1 segment/s long code, 3 toll-free, 100 short code). */
  readonly pacing: boolean;
  /** Whether this process runs the background workers (dispatch, delivery reports, webhooks). */
  readonly workers: boolean;
  /** Per-segment prices by country (JSON), overriding Twilio's US defaults. */
  readonly prices: Record<string, { sms: number; mms: number }> | undefined;
}

/** A configuration problem; the CLI prints it and exits with status 2. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** CLI flags mirroring the environment variables (`--port` ↔ `PORT`, …). */
export const FLAGS = {
  port: { type: 'string', env: 'PORT' },
  host: { type: 'string', env: 'HOST' },
  'database-url': { type: 'string', env: 'DATABASE_URL' },
  'account-sid': { type: 'string', env: 'TWILIO_ACCOUNT_SID' },
  'auth-token': { type: 'string', env: 'TWILIO_AUTH_TOKEN' },
  'public-base-url': { type: 'string', env: 'PUBLIC_BASE_URL' },
  'log-level': { type: 'string', env: 'LOG_LEVEL' },
  'body-limit': { type: 'string', env: 'BODY_LIMIT' },
  'sim-delay-ms': { type: 'string', env: 'SIM_DELAY_MS' },
  'sim-seed': { type: 'string', env: 'SIM_SEED' },
  'sim-rules': { type: 'string', env: 'SIM_RULES' },
  'sim-chaos': { type: 'string', env: 'SIM_CHAOS' },
  sim: { type: 'string', env: 'SIM' },
  prices: { type: 'string', env: 'PRICES' },
  workers: { type: 'string', env: 'WORKERS' },
  pacing: { type: 'string', env: 'PACING' },
  'webhook-timeout-ms': { type: 'string', env: 'WEBHOOK_TIMEOUT_MS' },
  'retention-max-age': { type: 'string', env: 'RETENTION_MAX_AGE' },
  'retention-max-count': { type: 'string', env: 'RETENTION_MAX_COUNT' },
  'retention-interval': { type: 'string', env: 'RETENTION_INTERVAL' },
  'job-lease': { type: 'string', env: 'JOB_LEASE' },
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
  const prices = json('PRICES', get('prices')) as Config['prices'];
  if (prices !== undefined && (typeof prices !== 'object' || prices === null)) {
    throw new ConfigError('PRICES must be a JSON object like {"US":{"sms":0.0083,"mms":0.022}}');
  }
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
  return Object.freeze({
    port,
    host,
    databaseUrl,
    mainAccount: sid && token ? Object.freeze({ sid, authToken: token }) : undefined,
    publicBaseUrl,
    logLevel,
    bodyLimit: Number(bodyLimitRaw),
    sim: Object.freeze({
      deliveryDelayMs: Number(delayRaw),
      seed: get('sim-seed') ?? 'loft',
      rules,
      chaos: json('SIM_CHAOS', get('sim-chaos')) ?? null,
      enabled: onOff('SIM', get('sim'), true),
      given: Object.freeze({
        deliveryDelayMs: get('sim-delay-ms') !== undefined,
        seed: get('sim-seed') !== undefined,
        rules: get('sim-rules') !== undefined,
        chaos: get('sim-chaos') !== undefined,
      }),
    }),
    prices,
    workers: onOff('WORKERS', get('workers'), true),
    pacing: onOff('PACING', get('pacing'), false),
    webhookTimeoutMs: Number(webhookTimeoutRaw),
    retention,
    jobLeaseMs: Math.max(1000, duration('JOB_LEASE', get('job-lease') ?? '30s') ?? 30_000),
  });
}
