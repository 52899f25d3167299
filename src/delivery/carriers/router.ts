import type { Message } from '../../store/records.js';
import type { Carrier } from '../carrier.js';
import type { NetworkCarrier } from '../network.carrier.js';
import { SIM_CARRIER } from './carriers.config.js';
import type { RouteRule } from './routes.config.js';

/** A carrier a message may be handed to: in the dispatch transaction, or over the network. */
export type RouteTarget = Carrier | NetworkCarrier;

/** Whether a route target is a network carrier (called outside any transaction). */
export const isNetwork = (c: RouteTarget): c is NetworkCarrier =>
  'kind' in c && c.kind === 'network';

/** Picks the carriers a message may go to, in fail-over order (never empty). */
export interface Router {
  candidates(m: Message): readonly RouteTarget[];
}

/** `+33*` → /^\+33.*$/: `*` is any run of characters, `?` one; the rest is literal. */
export function globRegExp(glob: string): RegExp {
  const body = glob
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[.+^${}()|[\]\\-]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/**
 * The router of `ROUTES` over the built carriers: the first rule whose every condition holds
 * gives the list; a message no rule matches goes to every network carrier in `CARRIERS` order
 * (the simulator, `local`, when there is none: Loft as it always was).
 */
export function createRouter(opts: {
  rules: readonly RouteRule[];
  carriers: readonly NetworkCarrier[];
  /** The in-transaction carrier: the simulator, or `noCarrier` with SIM=off. */
  local: Carrier;
}): Router {
  const byName = new Map<string, RouteTarget>(opts.carriers.map((c) => [c.name, c]));
  byName.set(SIM_CARRIER, opts.local);
  const compiled = opts.rules.map((r) => ({
    to: r.match === undefined ? undefined : globRegExp(r.match),
    from: r.from === undefined ? undefined : globRegExp(r.from),
    service: r.messagingServiceSid,
    targets: r.carriers.map((name) => byName.get(name) as RouteTarget),
  }));
  const fallback: readonly RouteTarget[] = opts.carriers.length > 0 ? opts.carriers : [opts.local];
  return {
    candidates(m) {
      for (const rule of compiled) {
        if (rule.to && !rule.to.test(m.to)) continue;
        if (rule.from && !rule.from.test(m.from ?? '')) continue;
        if (rule.service && rule.service !== m.messagingServiceSid) continue;
        return rule.targets;
      }
      return fallback;
    },
  };
}

/**
 * Where a message goes now: the first candidate that is the simulator or a network carrier
 * with a bind ready; when no network carrier is ready, the first network one (its `send`
 * answers `retry`, and the message waits in the queue). The network carriers after the chosen
 * one are its fail-over if it answers `retry`.
 */
export function choose(
  candidates: readonly RouteTarget[],
): { local: Carrier } | { network: NetworkCarrier[] } {
  for (const [i, c] of candidates.entries()) {
    if (!isNetwork(c)) return { local: c };
    if (c.ready()) return { network: candidates.slice(i).filter(isNetwork) };
  }
  return { network: candidates.filter(isNetwork) };
}
