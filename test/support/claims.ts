import type { Store } from '../../src/store/store.js';

/**
 * `store` with its outbox claims recorded: the kinds of each claim query, in order (a claim of
 * several kinds adds each), and how many claim queries are still running. For tests that count
 * what a runner asks the database.
 */
export function countingClaims(store: Store): {
  store: Store;
  claims: string[];
  /** Claim queries issued and not answered yet. */
  running: () => number;
} {
  const claims: string[] = [];
  let running = 0;
  const claim = store.outbox.claim.bind(store.outbox);
  return {
    store: {
      ...store,
      outbox: {
        ...store.outbox,
        claim: (a) => {
          claims.push(...a.kinds);
          running++;
          return claim(a).finally(() => running--);
        },
      },
    },
    claims,
    running: () => running,
  };
}
