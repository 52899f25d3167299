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

/**
 * The virtual handset network: per-number rules, a global chaos mix and the default delay.
 * Outcomes are reproducible from the seed and the message SID.
 */
export class SimNetwork {
  private rules: CompiledRule[] = [];
  private chaos: SimChaos | null = null;
  private nextId = 1;

  constructor(public settings: SimSettings) {}

  /** Validates and adds a rule (rules are checked in insertion order; first match wins). */
  addRule(input: unknown): SimRule {
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
    const delayMs = r.delayMs === undefined ? undefined : Number(r.delayMs);
    if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0)) {
      throw new SimRuleError('delayMs must be a non-negative integer');
    }
    const rule: SimRule = {
      id: typeof r.id === 'string' && r.id !== '' ? r.id : `rule-${this.nextId++}`,
      match: r.match,
      ...(r.outcome !== undefined && { outcome: parseOutcome(r.outcome) }),
      ...(r.mix !== undefined && { mix: parseMix(r.mix) }),
      ...(delayMs !== undefined && { delayMs }),
    };
    this.rules = this.rules.filter((x) => x.id !== rule.id);
    this.rules.push({ ...rule, test: matcher(rule.match) });
    return rule;
  }

  /** Replaces every rule at once (all validated first). */
  setRules(inputs: unknown): SimRule[] {
    if (!Array.isArray(inputs)) throw new SimRuleError('rules must be an array');
    const saved = this.rules;
    this.rules = [];
    try {
      return inputs.map((i) => this.addRule(i));
    } catch (e) {
      this.rules = saved;
      throw e;
    }
  }

  removeRule(id: string): boolean {
    const before = this.rules.length;
    this.rules = this.rules.filter((r) => r.id !== id);
    return this.rules.length < before;
  }

  listRules(): SimRule[] {
    return this.rules.map(({ test: _t, ...r }) => r);
  }

  /** Sets (or clears, with null) the global chaos mix. */
  setChaos(input: unknown): SimChaos | null {
    if (input === null) return (this.chaos = null);
    const c = input as { mix?: unknown; delayMs?: unknown };
    const delayMs = c?.delayMs === undefined ? undefined : Number(c.delayMs);
    if (delayMs !== undefined && !(Number.isInteger(delayMs) && delayMs >= 0)) {
      throw new SimRuleError('delayMs must be a non-negative integer');
    }
    this.chaos = { mix: parseMix(c?.mix ?? []), ...(delayMs !== undefined && { delayMs }) };
    return this.chaos;
  }

  getChaos(): SimChaos | null {
    return this.chaos;
  }

  /** Decides what happens to a message for handset `to`. */
  decide(to: string, messageSid: string): SimDecision {
    const base = this.settings.deliveryDelayMs;
    const rule = this.rules.find((r) => r.test(to));
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
