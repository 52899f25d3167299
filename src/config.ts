import { parseArgs } from 'node:util';

/** Validated, frozen runtime configuration. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** `sqlite:PATH` (or `sqlite::memory:`), later `postgres://…`. */
  readonly databaseUrl: string;
  /** The main account's credentials, when given; otherwise generated on first start. */
  readonly mainAccount: { readonly sid: string; readonly authToken: string } | undefined;
  /** Base URL clients use to reach this server (for printed hints and absolute links). */
  readonly publicBaseUrl: string;
  readonly logLevel: string;
  /** Largest accepted request body, in bytes. */
  readonly bodyLimit: number;
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
} as const;

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
  if (!databaseUrl.startsWith('sqlite:')) {
    throw new ConfigError(`DATABASE_URL must be sqlite:PATH, got '${databaseUrl}'`);
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
  return Object.freeze({
    port,
    host,
    databaseUrl,
    mainAccount: sid && token ? Object.freeze({ sid, authToken: token }) : undefined,
    publicBaseUrl,
    logLevel,
    bodyLimit: Number(bodyLimitRaw),
  });
}
