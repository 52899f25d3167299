import type { SimDelivery, SimNetworkRecord, SimRuleRecord } from '../records.js';

/** The simulated carrier network's handset inboxes. */
export interface SimRepository {
  /** Records a delivery; false when the message was already delivered (idempotent submit). */
  record(delivery: SimDelivery): Promise<boolean>;
  /** Records many deliveries in one statement; returns the SIDs that were new (idempotent). */
  recordMany(deliveries: readonly SimDelivery[]): Promise<Set<string>>;
  get(messageSid: string): Promise<SimDelivery | undefined>;
  /**
   * What a handset received and sent, newest first. With `family`, only the messages of that
   * account and of its subaccounts (what an account may see of a handset's conversation).
   */
  listForHandset(handset: string, limit: number, family?: string): Promise<SimDelivery[]>;
  /** The network's stored configuration: every rule in order, chaos and settings. */
  network(): Promise<SimNetworkRecord>;
  /** Appends a rule, replacing the rule of the same owner and id (which moves to the end). */
  addRule(rule: SimRuleRecord): Promise<void>;
  /** Removes the rules in `scope`, then appends `rules` in order (run it in a transaction). */
  replaceRules(scope: SimRuleScope, rules: readonly SimRuleRecord[]): Promise<void>;
  /** Removes the rules with this id in `scope`; false when there was none. */
  removeRule(scope: SimRuleScope, id: string): Promise<boolean>;
  /** Sets network-wide settings; `null` clears one (the process default applies again). */
  setNetwork(patch: Partial<Omit<SimNetworkRecord, 'rules'>>): Promise<void>;
}

/** Which rules a replace or remove touches: every rule, or those of the listed owners. */
export type SimRuleScope = 'all' | readonly (string | null)[];
