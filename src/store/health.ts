import type { Clock } from '../clock.js';
import type { Store } from './store.js';
import type { StoreFailureKind, StoreUnavailableError } from './unavailable.js';

/** The logger lines of a burst go to (pino's signature; the app's logger). */
export interface HealthLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
}

/** What a store logs through (the `store` subsystem's logger). */
export type StoreLog = HealthLog;

/** Settings of {@link storeHealth}. */
export interface StoreHealthOptions {
  store: Store;
  clock: Clock;
  /** Read at each line: the app's logger exists only after the store. */
  log: () => HealthLog | undefined;
  /** Time between write probes while the store is unavailable (default 1 s). */
  probeMs?: number;
  /** Time between the summary lines of a burst (default 10 s). */
  summaryMs?: number;
  /** Least time between two probes asked for by health checks (default 1 s). */
  checkMs?: number;
  /**
   * How long no operation may have failed before a successful probe ends a burst (default
   * 2 s). On a nearly full disk small writes can succeed while larger ones still fail (SQLite
   * reuses WAL space a failed write left allocated); without it the health would flap.
   */
  quietMs?: number;
}

/** Why the store is unhealthy: the burst of failures under way. */
export interface StoreFailureState {
  kind: StoreFailureKind;
  /** The driver's code of the latest failure: `SQLITE_FULL`, `25006`, … */
  code: string;
  message: string;
  /** When the burst began (epoch ms of the injected clock). */
  since: number;
  /** Failed operations in the burst so far. */
  failures: number;
}

/** The store's health as `/healthz` and `/readyz` report it. */
export interface StoreHealth {
  /**
   * The current state: `undefined` while writes succeed, else the burst under way. Also starts
   * a write probe (not awaited) when none ran for `checkMs`, so a store that broke while idle
   * shows at the next check or the one after.
   */
  check(): StoreFailureState | undefined;
  /** Stops the probes and stops listening. */
  close(): void;
}

/** The settings row the write probe updates. */
export const PROBE_KEY = 'loft.health_probe';

/**
 * Watches the store's availability. Every StoreUnavailableError the adapters raise is counted;
 * the first of a burst is logged once with the driver's own code and message (and once more for
 * each other code the burst shows), then a summary every `summaryMs` while it lasts, then one
 * "recovered" line. While unavailable, a write probe (one settings row) runs every `probeMs`:
 * the burst ends when a probe succeeds and no operation has failed for `quietMs`.
 */
export function storeHealth(options: StoreHealthOptions): StoreHealth {
  const { store, clock } = options;
  const probeMs = options.probeMs ?? 1000;
  const summaryMs = options.summaryMs ?? 10_000;
  const checkMs = options.checkMs ?? 1000;
  const quietMs = options.quietMs ?? 2000;
  const engine = store.capabilities.engine;
  type Burst = StoreFailureState & { codes: Set<string>; window: number; windowAt: number };
  let burst: Burst | undefined;
  /** Failures reported ever, and when the last came (performance.now()). */
  let reported = 0;
  let failedAt = -Infinity;
  let probing: Promise<void> | undefined;
  let probedAt = -Infinity;
  let timer: NodeJS.Timeout | undefined;
  let closed = false;

  const line = (err: StoreUnavailableError) => ({
    store: { engine, kind: err.kind, code: err.code },
  });

  const failed = (err: StoreUnavailableError) => {
    reported++;
    failedAt = performance.now();
    if (closed) return;
    if (!burst) {
      burst = {
        kind: err.kind,
        code: err.code,
        message: err.message,
        since: clock.now(),
        failures: 1,
        codes: new Set([err.code]),
        window: 1,
        windowAt: performance.now(),
      };
      options
        .log()
        ?.error(
          line(err),
          `store unavailable (${err.kind}): ${err.message}; API writes answer 503 until it recovers`,
        );
      timer = setInterval(tick, probeMs);
      timer.unref();
      return;
    }
    burst.failures++;
    burst.window++;
    Object.assign(burst, { kind: err.kind, code: err.code, message: err.message });
    if (!burst.codes.has(err.code)) {
      burst.codes.add(err.code);
      options.log()?.error(line(err), `store still unavailable, now (${err.kind}): ${err.message}`);
    }
  };

  const recovered = () => {
    if (!burst) return;
    const seconds = ((clock.now() - burst.since) / 1000).toFixed(1);
    options
      .log()
      ?.info(
        { store: { engine, codes: [...burst.codes], failures: burst.failures } },
        `store recovered: writes succeed again after ${seconds} s unavailable (${burst.failures} failed operations)`,
      );
    burst = undefined;
    clearInterval(timer);
    timer = undefined;
  };

  const probe = (): void => {
    if (probing || closed) return;
    probedAt = performance.now();
    const before = reported;
    probing = store.settings
      .set(PROBE_KEY, String(clock.now()))
      .then(
        () => {
          if (reported === before && performance.now() - failedAt >= quietMs) recovered();
        },
        // A failure that means unavailability was reported by the adapter; any other is not
        // about availability (and the next request will meet and log it).
        () => undefined,
      )
      .finally(() => (probing = undefined));
  };

  const tick = () => {
    if (!burst) return;
    const now = performance.now();
    if (now - burst.windowAt >= summaryMs) {
      options
        .log()
        ?.warn(
          { store: { engine, kind: burst.kind, code: burst.code, failures: burst.failures } },
          `store still unavailable (${[...burst.codes].join(', ')}): ${burst.window} failed ` +
            `operations in the last ${Math.round((now - burst.windowAt) / 1000)} s, ` +
            `${burst.failures} since ${new Date(burst.since).toISOString()}`,
        );
      burst.window = 0;
      burst.windowAt = now;
    }
    probe();
  };

  const unsubscribe = store.onUnavailable(failed);
  return {
    check() {
      if (performance.now() - probedAt >= checkMs) probe();
      if (!burst) return undefined;
      const { kind, code, message, since, failures } = burst;
      return { kind, code, message, since, failures };
    },
    close() {
      closed = true;
      unsubscribe();
      clearInterval(timer);
    },
  };
}
