import type { Store } from '../store/store.js';

/**
 * `store` whose webhook inserts call `wake` once their transaction has committed (outside one,
 * at once): the webhook queue of this process claims the new webhooks without waiting for its
 * poll. Other processes find them at their next poll, or through the jobs signal.
 */
export function wakeOnWebhooks(store: Store, wake: () => void): Store {
  const wrap = (s: Store): Store => ({
    ...s,
    webhooks: {
      ...s.webhooks,
      async insert(webhook) {
        const stored = await s.webhooks.insert(webhook);
        if (stored.runAt !== null) s.afterCommit(wake);
        return stored;
      },
      async insertMany(webhooks) {
        const ids = await s.webhooks.insertMany(webhooks);
        if (webhooks.some((w) => w.runAt != null)) s.afterCommit(wake);
        return ids;
      },
    },
    transaction: (fn) => s.transaction((tx) => fn(wrap(tx))),
  });
  return wrap(store);
}
