import { mulberry32, MULBERRY32_STEP } from '../../random.js';
import { compileMatch } from './sim.match.js';

/** What the simulated network does with one message. */
export type SimOutcome =
  | { status: 'delivered' }
  | { status: 'undelivered'; errorCode: number }
  | { status: 'failed'; errorCode: number }
  /** Accepted by the network, but no delivery report ever comes: the message stays `sent`. */
  | { status: 'no-dlr' };

/** One weighted branch of a probabilistic mix. */
export interface SimMixEntry {
  /** 0–1; the remainder of a mix delivers normally. */
  probability: number;
  outcome: SimOutcome;
}

/** A failure-injection rule for handset numbers matching `match`. */
export interface SimRule {
  id: string;
  /** The account whose messages it applies to; `null` for every account (network-wide). */
  accountSid: string | null;
  /** An exact E.164 number, a glob with `*` (`+1555*`), or `/regex/`. */
  match: string;
  /** A fixed outcome… */
  outcome?: SimOutcome;
  /** …or a probabilistic mix (e.g. 5 % undelivered 30003). */
  mix?: SimMixEntry[];
  /** Extra delay before the delivery report, in ms. */
  delayMs?: number;
}

/** The network-wide "chaos" setting, applied where no rule matches. */
export interface SimChaos {
  mix: SimMixEntry[];
  delayMs?: number;
}

/** Twilio's wording for the error codes the simulator can produce. */
export const SIM_ERRORS: Record<number, string> = {
  30001: 'Queue overflow',
  30002: 'Account suspended',
  30003: 'Unreachable destination handset',
  30004: 'Message blocked',
  30005: 'Unknown destination handset',
  30006: 'Landline or unreachable carrier',
  30007: 'Message filtered',
  30008: 'Unknown error',
  30009: 'Missing segment',
  30010: 'Message price exceeds max price',
};

const UNDELIVERED_CODES = [30003, 30005, 30006, 30007, 30008];

/** Thrown for a malformed rule; the /sim API turns it into a 400. */
export class SimRuleError extends Error {}

/**
 * Parses an outcome: an object, or shorthand `delivered`, `undelivered[:30003]`,
 * `failed[:30008]`, `no-dlr` (alias `sent`).
 */
export function parseOutcome(input: unknown): SimOutcome {
  if (typeof input === 'object' && input !== null) {
    const { status, errorCode } = input as { status?: unknown; errorCode?: unknown };
    if (errorCode === undefined) return parseOutcome(status);
    if (typeof errorCode !== 'number' && typeof errorCode !== 'string') {
      throw new SimRuleError('outcome errorCode must be a number');
    }
    return parseOutcome(`${String(status)}:${errorCode}`);
  }
  if (typeof input !== 'string') throw new SimRuleError('outcome must be a string or an object');
  const [status, code] = input.trim().toLowerCase().split(':');
  const errorCode = code === undefined ? undefined : Number(code);
  if (code !== undefined && !Number.isInteger(errorCode)) {
    throw new SimRuleError(`invalid error code in outcome '${input}'`);
  }
  switch (status) {
    case 'delivered':
      return { status: 'delivered' };
    case 'undelivered': {
      const c = errorCode ?? 30003;
      if (!UNDELIVERED_CODES.includes(c)) {
        throw new SimRuleError(`undelivered takes one of ${UNDELIVERED_CODES.join(', ')}`);
      }
      return { status: 'undelivered', errorCode: c };
    }
    case 'failed':
      return { status: 'failed', errorCode: errorCode ?? 30008 };
    case 'no-dlr':
    case 'sent':
      return { status: 'no-dlr' };
    default:
      throw new SimRuleError(
        `unknown outcome '${input}': use delivered, undelivered[:code], failed[:code] or no-dlr`,
      );
  }
}

/** Validates a probabilistic mix (probabilities sum to at most 1). */
export function parseMix(input: unknown): SimMixEntry[] {
  if (!Array.isArray(input)) throw new SimRuleError('mix must be an array');
  const mix = input.map((e: { probability?: unknown; outcome?: unknown }) => {
    const p = Number(e?.probability);
    if (!(p >= 0 && p <= 1)) throw new SimRuleError('each mix probability must be within 0..1');
    return { probability: p, outcome: parseOutcome(e.outcome) };
  });
  if (mix.reduce((s, e) => s + e.probability, 0) > 1 + 1e-9) {
    throw new SimRuleError('mix probabilities must add up to at most 1');
  }
  return mix;
}

/** Compiles `match` into a predicate over E.164 numbers (linear globs, safe regexes only). */
export function matcher(match: string): (number: string) => boolean {
  return compileMatch(match, (message) => new SimRuleError(message));
}

/** Picks a mix branch with a uniform draw `u` in [0, 1). */
export function choose(mix: SimMixEntry[], u: number): SimOutcome {
  let acc = 0;
  for (const e of mix) {
    acc += e.probability;
    if (u < acc) return e.outcome;
  }
  return { status: 'delivered' };
}

/**
 * A reproducible uniform draw for one message: the same seed and SID always give the same
 * number, whatever order messages are dispatched in (FNV-1a hash, then a mulberry32 step).
 */
export function draw(seed: string, messageSid: string): number {
  let h = 0x811c9dc5;
  const s = `${seed}:${messageSid}`;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return mulberry32((h + MULBERRY32_STEP) | 0);
}
