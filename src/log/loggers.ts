import pinoPretty from 'pino-pretty';
import { pino, type DestinationStream, type Logger, type LoggerOptions } from 'pino';

export type { Logger };

/**
 * The parts of Loft that log, each through its own child logger (its lines carry
 * `subsystem`). A new part (a carrier) adds its name here and takes `loggers.of(name)`.
 */
export type Subsystem =
  'http' | 'store' | 'jobs' | 'delivery' | 'webhooks' | 'inbound' | 'retention' | 'smpp';

/** A process's root logger and one child per subsystem, passed through the deps. */
export interface Loggers {
  readonly root: Logger;
  /** The child logger of a subsystem (the same one on every call). */
  of(subsystem: Subsystem): Logger;
}

/** Log paths that may hold a secret (auth headers, tokens and key secrets in bodies). */
export const LOG_REDACT = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'req.body.AuthToken',
    'req.body.Secret',
    '*.auth_token',
    '*.authToken',
    '*.secret',
    '*.password',
  ],
  censor: '[redacted]',
};

/** Subsystem children over `root`, made once each. */
export function subsystems(root: Logger): Loggers {
  const children = new Map<Subsystem, Logger>();
  return {
    root,
    of(subsystem) {
      let child = children.get(subsystem);
      if (!child) children.set(subsystem, (child = root.child({ subsystem })));
      return child;
    },
  };
}

/** Loggers that write nothing (tests, embedded use). */
export const silentLoggers = (): Loggers => subsystems(pino({ level: 'silent' }));

/** How a process logs: LOG_LEVEL, and LOG_FORMAT (unset: pretty when stdout is a terminal). */
export interface LogSettings {
  level: string;
  format?: 'json' | 'pretty' | undefined;
}

/**
 * The root logger of a process: JSON lines on stdout, or readable ones through pino-pretty
 * (`format: 'pretty'`, or unset on a terminal). Secrets in the {@link LOG_REDACT} paths are
 * censored either way.
 */
export function createLogger(settings: LogSettings): Logger {
  const pretty = (settings.format ?? (process.stdout.isTTY ? 'pretty' : 'json')) === 'pretty';
  const options: LoggerOptions = { level: settings.level, redact: LOG_REDACT };
  if (!pretty) return pino(options);
  // In this thread and synchronous: lines logged just before exit are never lost.
  const stream = pinoPretty({
    colorize: process.stdout.isTTY === true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
  });
  return pino(options, stream);
}

/** A logger as tests and embedders give it (see {@link loggerFrom}). */
export type LoggerOption = false | Logger | (LoggerOptions & { stream?: DestinationStream });

/**
 * A root logger from test or embedding options: `false` writes nothing, a pino instance is
 * used as is, pino options (with an optional `stream`) build one with {@link LOG_REDACT}.
 */
export function loggerFrom(
  option: false | Logger | (LoggerOptions & { stream?: DestinationStream }),
): Logger {
  if (option === false) return pino({ level: 'silent' });
  if (isLogger(option)) return option;
  const { stream, ...options } = option;
  return stream
    ? pino({ redact: LOG_REDACT, ...options }, stream)
    : pino({ redact: LOG_REDACT, ...options });
}

const isLogger = (v: object): v is Logger =>
  typeof (v as { child?: unknown }).child === 'function' &&
  typeof (v as { level?: unknown }).level === 'string';
