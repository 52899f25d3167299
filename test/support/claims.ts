import type { Store } from '../../src/store/store.js';

/**
 * `store` with its outbox claims recorded: the kinds of each claim query, in order (a claim of
 * several kinds adds each). For tests that count what a runner asks the database.
 */
export function countingClaims(store: Store): { store: Store; claims: string[] } {
  const claims: string[] = [];
  const claim = store.outbox.claim.bind(store.outbox);
  return {
    store: {
      ...store,
      outbox: { ...store.outbox, claim: (a) => (claims.push(...a.kinds), claim(a)) },
    },
    claims,
  };
}
