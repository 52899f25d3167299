import { randomIds, type Ids } from '../../ids.js';
import type { SimNetworkRecord, SimRuleScope, Store } from '../../store/store.js';
import {
  choose,
  draw,
  matcher,
  parseMix,
  parseOutcome,
  SimRuleError,
  type SimChaos,
  type SimOutcome,
  type SimRule,
} from './sim.rules.js';

/** Settings of the simulated network, changeable at runtime through `/sim/…`. */
export interface SimSettings {
  /** Delay between submit and the delivery report, in ms (0 for tests and benchmarks). */
  deliveryDelayMs: number;
  /** Seed of every probabilistic outcome. */
  seed: string;
}

/** The decision for one message. */
export interface SimDecision {
  outcome: SimOutcome;
  delayMs: number;
  /** Which rule decided (`chaos`, `default` or a rule id). */
  by: string;
}

interface CompiledRule extends SimRule {
  test: (n: string) => boolean;
}

/** The store part the network reads and writes. */
type SimStore = Pick<Store, 'sim' | 'transaction'>;

/** A non-negative integer delay, or undefined when not given. */
function delayOf(raw: unknown): number | undefined {
  const delayMs = raw === undefined ? undefined : Number(raw);
  if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0)) {
    throw new SimRuleError('delayMs must be a non-negative integer');
  }
  return delayMs;
}

/**
 * The network as stored at one moment, compiled: rules, chaos and settings. An account's own
 * rules are checked first, then the network-wide ones (each in order; the first match wins),
 * then chaos. Outcomes are reproducible from the seed and the message SID.
 */
export class SimView {
  private readonly compiled: CompiledRule[];

  constructor(
    readonly settings: SimSettings,
    readonly rules: readonly SimRule[],
    readonly chaos: SimChaos | null,
  ) {
    this.compiled = rules.map((r) => ({ ...r, test: matcher(r.match) }));
  }

  /** Decides what happens to a message of `accountSid` for handset `to`. */
  decide(to: string, accountSid: string, messageSid: string): SimDecision {
    const base = this.settings.deliveryDelayMs;
    const rule =
      this.compiled.find((r) => r.accountSid === accountSid && r.test(to)) ??
      this.compiled.find((r) => r.accountSid === null && r.test(to));
    const u = draw(this.settings.seed, messageSid);
    if (rule) {
      const outcome = rule.outcome ?? (rule.mix ? choose(rule.mix, u) : { status: 'delivered' });
      return { outcome, delayMs: base + (rule.delayMs ?? 0), by: rule.id };
    }
    if (this.chaos) {
      return {
        outcome: choose(this.chaos.mix, u),
        delayMs: base + (this.chaos.delayMs ?? 0),
        by: 'chaos',
      };
    }
    return { outcome: { status: 'delivered' }, delayMs: base, by: 'default' };
  }
}

/**
 * The virtual handset network: per-number rules (network-wide or one account's), a network-wide
 * chaos mix and the delivery delay. All of it lives in the store, so every process sharing the
 * database decides alike; reads go through the store's read cache (cleared in every process on
 * a change), and each stored snapshot is compiled once.
 */
export class SimNetwork {
  private readonly views = new WeakMap<SimNetworkRecord, SimView>();

  /** `defaults`: this process's configuration, where the store has no setting of its own. */
  constructor(
    readonly defaults: SimSettings,
    private readonly ids: Ids = randomIds(),
  ) {}

  /** The network as `store` has it now. */
  async view(store: Pick<Store, 'sim'>): Promise<SimView> {
    const record = await store.sim.network();
    let view = this.views.get(record);
    if (!view) {
      view = new SimView(
        {
          deliveryDelayMs: record.deliveryDelayMs ?? this.defaults.deliveryDelayMs,
          seed: record.seed ?? this.defaults.seed,
        },
        record.rules.map(
          (r) => ({ ...r.definition, id: r.id, accountSid: r.accountSid }) as SimRule,
        ),
        record.chaos as SimChaos | null,
      );
      this.views.set(record, view);
    }
    return view;
  }

  /** Validates a rule for `accountSid` (null: network-wide); an id is generated when absent. */
  parseRule(input: unknown, accountSid: string | null): SimRule {
    const r = input as {
      id?: unknown;
      match?: unknown;
      outcome?: unknown;
      mix?: unknown;
      delayMs?: unknown;
    };
    if (typeof r?.match !== 'string' || r.match === '') throw new SimRuleError('match is required');
    if ((r.outcome === undefined) === (r.mix === undefined) && r.delayMs === undefined) {
      throw new SimRuleError('give exactly one of outcome or mix (or only delayMs)');
    }
    const delayMs = delayOf(r.delayMs);
    matcher(r.match); // throws on a bad pattern
    return {
      id: typeof r.id === 'string' && r.id !== '' ? r.id : `rule-${this.ids.secret().slice(0, 12)}`,
      accountSid,
      match: r.match,
      ...(r.outcome !== undefined && { outcome: parseOutcome(r.outcome) }),
      ...(r.mix !== undefined && { mix: parseMix(r.mix) }),
      ...(delayMs !== undefined && { delayMs }),
    };
  }

  /** Stores a validated rule at the end (replacing its owner's rule of the same id). */
  async addRule(store: SimStore, rule: SimRule): Promise<SimRule> {
    await store.sim.addRule(toRecord(rule));
    return rule;
  }

  /** Replaces the rules in `scope` with `rules`, at once. */
  async replaceRules(store: SimStore, scope: SimRuleScope, rules: SimRule[]): Promise<SimRule[]> {
    await store.transaction((tx) => tx.sim.replaceRules(scope, rules.map(toRecord)));
    return rules;
  }

  /** Removes the rules with this id in `scope`; false when none. */
  removeRule(store: SimStore, scope: SimRuleScope, id: string): Promise<boolean> {
    return store.sim.removeRule(scope, id);
  }

  /** Validates a chaos mix (null: none). */
  parseChaos(input: unknown): SimChaos | null {
    if (input === null) return null;
    const c = input as { mix?: unknown; delayMs?: unknown };
    const delayMs = delayOf(c?.delayMs);
    return { mix: parseMix(c?.mix ?? []), ...(delayMs !== undefined && { delayMs }) };
  }

  /** Validates and sets (or clears, with null) the network-wide chaos mix. */
  async setChaos(store: SimStore, input: unknown): Promise<SimChaos | null> {
    const chaos = this.parseChaos(input);
    await store.sim.setNetwork({ chaos: chaos as Record<string, unknown> | null });
    return chaos;
  }

  /** Stores network settings (validated by the caller); returns the effective ones. */
  async setSettings(store: SimStore, patch: Partial<SimSettings>): Promise<SimSettings> {
    await store.sim.setNetwork(patch);
    return (await this.view(store)).settings;
  }
}

const toRecord = ({ id, accountSid, ...definition }: SimRule) => ({ id, accountSid, definition });
