import { readFileSync } from 'node:fs';
import { ConfigError } from '../../config.js';
import type { SmppCarrierConfig } from '../smpp/smpp.types.js';

/** The name routes use for the simulator; no carrier may take it. */
export const SIM_CARRIER = 'sim';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A JSON setting given inline or as `@path/to/file.json` (read now, relative to the working
 * directory). Undefined when not given.
 */
export function jsonSetting(name: string, raw: string | undefined): unknown {
  if (raw === undefined) return undefined;
  let text = raw;
  if (raw.startsWith('@')) {
    try {
      text = readFileSync(raw.slice(1), 'utf8');
    } catch (e) {
      throw new ConfigError(`${name}: cannot read ${raw.slice(1)} (${(e as Error).message})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ConfigError(`${name} must be JSON or @path/to/file.json`);
  }
}

const KEYS = new Set([
  'name', 'type', 'host', 'port', 'systemId', 'password', 'systemType', 'bindMode', 'binds',
  'tls', 'window', 'throughput', 'enquireLinkSeconds', 'responseTimeoutMs', 'sourceTon',
  'sourceNpi', 'messageIdFormat', 'longMessages', 'errorMap', 'statusMap',
]); // prettier-ignore

/**
 * `CARRIERS`: a JSON array of carrier entries (only `type: "smpp"` so far), validated with
 * their defaults applied. Every problem is a one-line ConfigError naming the entry and the
 * field; a password is never part of a message.
 */
export function parseCarriers(raw: string | undefined): SmppCarrierConfig[] {
  const value = jsonSetting('CARRIERS', raw);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError('CARRIERS must be a JSON array of carriers');
  const names = new Set<string>();
  return value.map((entry: unknown, i) => {
    const c = parseCarrier(entry, i);
    if (names.has(c.name)) throw new ConfigError(`CARRIERS: duplicate carrier name '${c.name}'`);
    names.add(c.name);
    return c;
  });
}

function parseCarrier(entry: unknown, index: number): SmppCarrierConfig {
  if (!isObject(entry)) throw new ConfigError(`CARRIERS[${index}] must be an object`);
  const name = entry['name'];
  if (typeof name !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(name)) {
    throw new ConfigError(
      `CARRIERS[${index}].name must be 1-64 letters, digits, '.', '_' or '-', got ${show(name)}`,
    );
  }
  const at = `CARRIERS '${name}'`;
  if (name === SIM_CARRIER) throw new ConfigError(`${at}: the name 'sim' is the simulator's`);
  for (const key of Object.keys(entry)) {
    if (!KEYS.has(key)) throw new ConfigError(`${at}: unknown field '${key}'`);
  }
  if (entry['type'] !== 'smpp') {
    throw new ConfigError(`${at}.type must be "smpp", got ${show(entry['type'])}`);
  }
  const f = fields(at, entry);
  const password = entry['password'];
  if (typeof password !== 'string' || password === '') {
    throw new ConfigError(`${at}.password is required (a string)`);
  }
  // SMPP 3.4 bounds: password 8 octets (9 with the NUL), system_id 15, system_type 12.
  if (password.length > 8) throw new ConfigError(`${at}.password is longer than 8 characters`);
  return {
    name,
    type: 'smpp',
    host: f.text('host', undefined, 253),
    port: f.int('port', undefined, 1, 65535),
    systemId: f.text('systemId', undefined, 15),
    password,
    systemType: f.text('systemType', '', 12, true),
    bindMode: f.oneOf('bindMode', ['transceiver', 'transmitter+receiver'] as const, undefined),
    binds: f.int('binds', 1, 1, 64),
    ...(entry['tls'] !== undefined && entry['tls'] !== false && { tls: tls(at, entry['tls']) }),
    window: f.int('window', 10, 1, 1000),
    throughput: f.int('throughput', 0, 0, 100_000),
    enquireLinkSeconds: f.int('enquireLinkSeconds', 30, 1, 3600),
    responseTimeoutMs: f.int('responseTimeoutMs', 10_000, 100, 600_000),
    sourceTon: f.int('sourceTon', 1, 0, 6),
    sourceNpi: f.int('sourceNpi', 1, 0, 18),
    messageIdFormat: f.oneOf('messageIdFormat', ['hex', 'decimal', 'auto'] as const, 'auto'),
    longMessages: f.oneOf('longMessages', ['udh', 'sar', 'payload'] as const, 'udh'),
    errorMap: codeMap(
      `${at}.errorMap`,
      entry['errorMap'],
      ERROR_MAP_KEY,
      '"stat:UNDELIV" or "err:001"',
    ),
    statusMap: codeMap(
      `${at}.statusMap`,
      entry['statusMap'],
      STATUS_MAP_KEY,
      'an ESME status name like "ESME_RINVDSTADR"',
    ),
  };
}

/** Typed readers of one entry's fields; `def` undefined means required. */
function fields(at: string, entry: Record<string, unknown>) {
  return {
    text(key: string, def: string | undefined, max: number, emptyOk = false): string {
      const v = entry[key] ?? def;
      if (typeof v !== 'string' || (!emptyOk && v === '') || v.length > max) {
        throw new ConfigError(
          `${at}.${key} must be a string of 1-${max} characters, got ${show(v)}`,
        );
      }
      return v;
    },
    int(key: string, def: number | undefined, min: number, max: number): number {
      const v = entry[key] ?? def;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        throw new ConfigError(
          `${at}.${key} must be an integer from ${min} to ${max}, got ${show(v)}`,
        );
      }
      return v;
    },
    oneOf<T extends string>(key: string, allowed: readonly T[], def: T | undefined): T {
      const v = entry[key] ?? def;
      if (!allowed.includes(v as T)) {
        throw new ConfigError(`${at}.${key} must be one of ${allowed.join(', ')}, got ${show(v)}`);
      }
      return v as T;
    },
  };
}

function tls(at: string, v: unknown): NonNullable<SmppCarrierConfig['tls']> {
  if (v === true) return { rejectUnauthorized: true };
  if (!isObject(v)) throw new ConfigError(`${at}.tls must be true or an object`);
  for (const key of Object.keys(v)) {
    if (!['rejectUnauthorized', 'servername', 'ca'].includes(key)) {
      throw new ConfigError(`${at}.tls: unknown field '${key}'`);
    }
  }
  const { rejectUnauthorized = true, servername, ca } = v;
  if (typeof rejectUnauthorized !== 'boolean') {
    throw new ConfigError(`${at}.tls.rejectUnauthorized must be true or false`);
  }
  if (servername !== undefined && typeof servername !== 'string') {
    throw new ConfigError(`${at}.tls.servername must be a string`);
  }
  if (ca !== undefined && typeof ca !== 'string') {
    throw new ConfigError(`${at}.tls.ca must be a PEM string`);
  }
  return { rejectUnauthorized, ...(servername && { servername }), ...(ca && { ca }) };
}

/** errorMap keys: a receipt's `stat:<STAT>` or `err:<value>` (see smpp.receipts.ts). */
const ERROR_MAP_KEY = /^(stat:[A-Za-z]{1,16}|err:[0-9A-Za-z]{1,8})$/;
/** statusMap keys: command_status names as smpp.status.ts writes them (vendor ones: UNKNOWN_STATUS). */
const STATUS_MAP_KEY = /^(ESME_[A-Z0-9_]{1,32}|UNKNOWN_STATUS)$/;

/** `{"stat:UNDELIV": 30003}`, `{"ESME_RINVDSTADR": 21211}`: keys to Twilio error codes. */
function codeMap(at: string, v: unknown, keys: RegExp, example: string): Record<string, number> {
  if (v === undefined) return {};
  if (!isObject(v)) throw new ConfigError(`${at} must be an object of error codes`);
  for (const [key, code] of Object.entries(v)) {
    if (!keys.test(key)) throw new ConfigError(`${at}: key '${key}' must be ${example}`);
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 10000 || code > 99999) {
      throw new ConfigError(
        `${at}.${key} must be a Twilio error code (5 digits), got ${show(code)}`,
      );
    }
  }
  return v as Record<string, number>;
}

const show = (v: unknown): string => (v === undefined ? 'nothing' : JSON.stringify(v));
