import { ConfigError } from '../../config.js';
import { jsonSetting, SIM_CARRIER } from './carriers.config.js';

/** One `ROUTES` rule: every condition it names must hold; `carriers` are tried in order. */
export interface RouteRule {
  /** Glob on the recipient (`To`): `*` any run of characters, `?` one. */
  match?: string;
  /** Glob on the sender (`From`, after a Messaging Service picked it). */
  from?: string;
  messagingServiceSid?: string;
  carriers: string[];
}

const GLOB = /^[A-Za-z0-9+*?:_ .-]{1,64}$/;
const KEYS = new Set(['match', 'from', 'messagingServiceSid', 'carriers']);

/**
 * `ROUTES`: an ordered JSON array of rules (inline or `@file`). Each names carriers of
 * `CARRIERS` or `sim`; `sim` only while the simulator is on. Problems are one-line ConfigErrors.
 */
export function parseRoutes(
  raw: string | undefined,
  known: { carriers: readonly string[]; simulator: boolean },
): RouteRule[] {
  const value = jsonSetting('ROUTES', raw);
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new ConfigError('ROUTES must be a JSON array of rules');
  return value.map((rule: unknown, i): RouteRule => {
    const at = `ROUTES[${i}]`;
    if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
      throw new ConfigError(`${at} must be an object like {"match":"+33*","carriers":["a"]}`);
    }
    const r = rule as Record<string, unknown>;
    for (const key of Object.keys(r)) {
      if (!KEYS.has(key)) throw new ConfigError(`${at}: unknown field '${key}'`);
    }
    for (const key of ['match', 'from'] as const) {
      const g = r[key];
      if (g !== undefined && (typeof g !== 'string' || !GLOB.test(g))) {
        throw new ConfigError(
          `${at}.${key} must be a glob of digits, letters, + and * (e.g. "+33*"), got ${JSON.stringify(g)}`,
        );
      }
    }
    const mg = r['messagingServiceSid'];
    if (mg !== undefined && (typeof mg !== 'string' || !/^MG[0-9a-fA-F]{32}$/.test(mg))) {
      throw new ConfigError(`${at}.messagingServiceSid must be MG followed by 32 hex digits`);
    }
    const carriers = r['carriers'];
    if (!Array.isArray(carriers) || carriers.length === 0) {
      throw new ConfigError(`${at}.carriers must be a non-empty array of carrier names`);
    }
    const seen = new Set<string>();
    for (const name of carriers as unknown[]) {
      if (typeof name !== 'string') throw new ConfigError(`${at}.carriers must hold names`);
      if (seen.has(name)) throw new ConfigError(`${at}: carrier '${name}' is named twice`);
      seen.add(name);
      if (name === SIM_CARRIER) {
        if (!known.simulator) throw new ConfigError(`${at} names 'sim' but SIM=off`);
      } else if (!known.carriers.includes(name)) {
        throw new ConfigError(`${at}: unknown carrier '${name}' (not in CARRIERS)`);
      }
    }
    return {
      ...(typeof r['match'] === 'string' && { match: r['match'] }),
      ...(typeof r['from'] === 'string' && { from: r['from'] }),
      ...(typeof mg === 'string' && { messagingServiceSid: mg }),
      carriers: carriers as string[],
    };
  });
}
