import { LRUCache } from 'lru-cache';
import type { Store } from './store.js';

/** The signal channel that tells every process sharing the database to drop its read cache. */
export const CACHE_CHANNEL = 'loft_cache';

/** Settings of the read cache. */
export interface ReadCacheOptions {
  /**
   * Longest time an entry is served. Writes made through any Loft process clear every cache at
   * once (locally, and through the store's signals elsewhere); the TTL bounds staleness only
   * for writes made behind Loft's back or a signal lost with its connection.
   */
  ttlMs?: number;
  /** Most entries kept. */
  max?: number;
}

type Repo = keyof Pick<
  Store,
  | 'accounts'
  | 'apiKeys'
  | 'testCredentials'
  | 'phoneNumbers'
  | 'services'
  | 'optOuts'
  | 'applications'
  | 'sim'
>;

/**
 * How the cache treats each method of the repositories it wraps. The compiler checks the table
 * is complete: a method added to one of these repositories without a class here is a type error,
 * so no write can slip past the invalidation.
 * - `cached`: a read that every API request or delivered message repeats (credentials, sender
 *   ownership, Messaging Service pools, opt-outs, the simulator's rules and settings) and that
 *   changes rarely: served from memory.
 * - `read`: a read that always goes to the store.
 * - `invalidates`: a write to the tables behind the cached reads: drops the whole cache.
 * - `write`: a write no cached read depends on (sticky senders, handset inboxes).
 */
type MethodUse = 'cached' | 'read' | 'invalidates' | 'write';

const METHODS: { readonly [R in Repo]: { readonly [M in keyof Store[R]]-?: MethodUse } } = {
  accounts: {
    insert: 'invalidates',
    get: 'cached',
    sids: 'read',
    listFamily: 'read',
    update: 'invalidates',
  },
  apiKeys: {
    insert: 'invalidates',
    get: 'cached',
    list: 'read',
    update: 'invalidates',
    delete: 'invalidates',
  },
  testCredentials: { get: 'cached', findByTestSid: 'cached', ensure: 'invalidates' },
  phoneNumbers: {
    insert: 'invalidates',
    get: 'read',
    findByNumber: 'cached',
    list: 'read',
    update: 'invalidates',
    delete: 'invalidates',
  },
  services: {
    insert: 'invalidates',
    get: 'cached',
    findBySid: 'cached',
    list: 'read',
    update: 'invalidates',
    delete: 'invalidates',
    addPhoneNumber: 'invalidates',
    getPhoneNumber: 'read',
    listPhoneNumbers: 'read',
    pool: 'cached',
    removePhoneNumber: 'invalidates',
    unlinkPhoneNumber: 'invalidates',
    findByPhoneNumber: 'cached',
    getStickySender: 'read',
    setStickySender: 'write',
  },
  optOuts: {
    block: 'invalidates',
    unblock: 'invalidates',
    isBlocked: 'cached',
    list: 'read',
    getReplies: 'cached',
    setReplies: 'invalidates',
  },
  applications: {
    insert: 'invalidates',
    get: 'cached',
    findBySid: 'cached',
    list: 'read',
    update: 'invalidates',
    delete: 'invalidates',
  },
  sim: {
    record: 'write',
    recordMany: 'write',
    get: 'read',
    listForHandset: 'read',
    network: 'cached',
    addRule: 'invalidates',
    replaceRules: 'invalidates',
    removeRule: 'invalidates',
    setNetwork: 'invalidates',
  },
};

/** The methods of `repo` in class `use`. */
const methodsOf = (repo: Repo, use: MethodUse): readonly string[] =>
  Object.entries(METHODS[repo])
    .filter(([, u]) => u === use)
    .map(([m]) => m);

/** Each wrapped repository with its cached reads and the writes that drop the whole cache. */
const REPOS = (Object.keys(METHODS) as Repo[]).map((repo) => ({
  repo,
  reads: methodsOf(repo, 'cached'),
  writes: methodsOf(repo, 'invalidates'),
}));

/**
 * Reads whose "not found" is kept too: their keys are SIDs of records Loft already found (an
 * owned number's SID, a scope), so they are bounded, and "not in a service" is the common answer
 * on every create from a plain number.
 */
const CACHED_MISSES: ReadonlySet<string> = new Set([
  'services.findByPhoneNumber',
  'optOuts.getReplies',
]);

/**
 * Credential lookups by the username a request presents. Their "not found" is kept apart (in
 * its own bounded cache, so unknown usernames never push real entries out): an unknown SID is
 * then answered from memory like a known one, and a wrong token costs what an unknown SID does.
 */
const CREDENTIAL_LOOKUPS: ReadonlySet<string> = new Set([
  'accounts.get',
  'apiKeys.get',
  'testCredentials.findByTestSid',
]);

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** Longest cache key kept. */
const MAX_KEY = 256;

/**
 * Wraps `store` with an in-memory read cache of found records ("not found" only where keyed by
 * stored SIDs). Values
 * are frozen (a caller mutating one would corrupt everyone's copy). A transaction reads through
 * the cache until it writes to a cached table; writes clear the cache before they run and again
 * after they commit, and signal the other processes (PostgreSQL NOTIFY). A read that started
 * before a clear never stores its (possibly stale) answer.
 */
export async function withReadCache(store: Store, options: ReadCacheOptions = {}): Promise<Store> {
  const cache = new LRUCache<string, { v: unknown }>({
    max: options.max ?? 10_000,
    ttl: options.ttlMs ?? 5_000,
  });
  const misses = new LRUCache<string, true>({
    max: options.max ?? 10_000,
    ttl: options.ttlMs ?? 5_000,
  });
  let generation = 0;
  const clear = () => {
    generation++;
    cache.clear();
    misses.clear();
  };
  const changed = () => {
    clear();
    store.signals?.publish(CACHE_CHANNEL);
  };
  const off = await store.signals?.subscribe(CACHE_CHANNEL, clear);

  /**
   * Misses being read outside transactions, by key: callers that miss the same key meanwhile
   * share the read (a burst of requests after a clear costs one query, not one each). Only
   * outside transactions: one inside may see its own writes, and on a single connection an
   * outside read waits for the transaction, which must not wait for it in turn.
   */
  const reading = new Map<string, { gen: number; read: Promise<unknown> }>();

  const cachedRead = (
    repo: Repo,
    name: string,
    fn: AnyFn,
    active: () => boolean,
    shared: boolean,
  ): AnyFn => {
    const keepMisses = CACHED_MISSES.has(`${repo}.${name}`);
    const credential = CREDENTIAL_LOOKUPS.has(`${repo}.${name}`);
    const load = async (key: string, args: unknown[]) => {
      const gen = generation;
      const v = deepFreeze(await fn(...args));
      // "Not found" is not kept with the records (unknown usernames must not push real entries
      // out), except for reads keyed by stored SIDs; a credential miss goes to its own cache.
      if (gen === generation && active()) {
        if (v !== undefined || keepMisses) cache.set(key, { v });
        else if (credential) misses.set(key, true);
      }
      return v;
    };
    return async (...args) => {
      if (!active()) return fn(...args);
      const key = `${repo}.${name}:${JSON.stringify(args)}`;
      // Real keys are SIDs and numbers; a long one (junk credentials) would only fill memory.
      if (key.length > MAX_KEY) return fn(...args);
      const hit = cache.get(key);
      if (hit) return hit.v;
      if (credential && misses.get(key)) return undefined;
      if (!shared) return load(key, args);
      // A read begun before a clear may return what the write replaced: not shared past it.
      const pending = reading.get(key);
      if (pending?.gen === generation) return pending.read;
      const read = load(key, args);
      const entry = { gen: generation, read };
      reading.set(key, entry);
      try {
        return await read;
      } finally {
        if (reading.get(key) === entry) reading.delete(key);
      }
    };
  };

  /**
   * The store's repositories with cached reads and tracked writes. `active` says whether the
   * cache may be used: always outside transactions; inside one only until it writes to a cached
   * table (from then on it must read its own, uncommitted writes, and never cache them).
   */
  const wrap = (
    inner: Store,
    onWrite: () => void,
    active: () => boolean,
    inTransaction: boolean,
  ): Store => {
    const out: Record<string, unknown> = { ...inner };
    for (const { repo, reads, writes } of REPOS) {
      const base = inner[repo] as unknown as Record<string, AnyFn>;
      const r: Record<string, AnyFn> = { ...base };
      for (const m of reads) {
        r[m] = cachedRead(repo, m, base[m]!.bind(base), active, !inTransaction);
      }
      for (const m of writes) {
        const write = base[m]!.bind(base);
        r[m] = async (...args) => {
          clear(); // before too: a read racing this write must not cache across it
          try {
            return await write(...args);
          } finally {
            onWrite();
          }
        };
      }
      out[repo] = r;
    }
    out['transaction'] = <T>(fn: (tx: Store) => Promise<T>): Promise<T> => {
      // Nested: part of the outer transaction, which tracks the writes and clears on commit.
      if (inTransaction) return inner.transaction((tx) => fn(wrap(tx, onWrite, active, true)));
      let wrote = false;
      return inner
        .transaction((tx) =>
          fn(
            wrap(
              tx,
              () => (wrote = true),
              () => !wrote,
              true,
            ),
          ),
        )
        .finally(() => {
          if (wrote) changed();
        });
    };
    return out as unknown as Store;
  };

  return {
    ...wrap(store, changed, () => true, false),
    async close() {
      await off?.();
      await store.close();
    },
  };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
