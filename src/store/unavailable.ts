/**
 * Why a store cannot serve right now: a full disk, a database that only reads, an I/O error of
 * the file system, a lost (or refused) connection to the database server, or a server out of
 * memory or connections.
 */
export type StoreFailureKind = 'disk_full' | 'read_only' | 'io_error' | 'connection' | 'exhausted';

/**
 * The store is unavailable: the engine refused an operation for a reason of its own state (see
 * {@link StoreFailureKind}), not because of the request. Raised by the store adapters in place
 * of their driver's error, which stays the `cause`; the HTTP layer answers 503 for it.
 */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    readonly kind: StoreFailureKind,
    /** The driver's own code: `SQLITE_FULL`, `SQLITE_READONLY`, a SQLSTATE (`25006`), `ECONNREFUSED`. */
    readonly code: string,
    cause: unknown,
  ) {
    super(`${code}: ${(cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** The StoreUnavailableError `e` is or was caused by (however deep), if any. */
export function storeUnavailable(e: unknown): StoreUnavailableError | undefined {
  const seen = new Set<unknown>();
  for (let x = e; typeof x === 'object' && x !== null && !seen.has(x);) {
    if (x instanceof StoreUnavailableError) return x;
    seen.add(x);
    x = (x as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Where an adapter reports each failure it raised as a StoreUnavailableError. */
export interface UnavailabilityFeed {
  report(err: StoreUnavailableError): void;
  /** Calls `listener` with every failure reported from now on; returns the unsubscribe. */
  subscribe(listener: (err: StoreUnavailableError) => void): () => void;
}

/** A feed that hands every report to the current listeners (a throwing listener is skipped). */
export function unavailabilityFeed(): UnavailabilityFeed {
  const listeners = new Set<(err: StoreUnavailableError) => void>();
  return {
    report(err) {
      for (const l of listeners) {
        try {
          l(err);
        } catch {
          // A listener's own failure must not replace the store's error.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
