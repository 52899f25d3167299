import { afterAll, beforeAll, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { storeHealth, type HealthLog } from '../../src/store/health.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import { sqliteUnavailable } from '../../src/store/sqlite/sqlite.failures.js';
import type { Store } from '../../src/store/store.js';
import type { StoreUnavailableError } from '../../src/store/unavailable.js';
import { until } from '../support/until.js';

// The burst logic of the store's health with short intervals: one line per burst and per new
// code, summaries while it lasts, a recovered line once a write probe succeeds after a quiet
// spell. A real store whose settings writes fail while `down` names a SQLite code (the real
// full disk is in test/integration/sqlite.storage-failures.test.ts).

let real: Store;
beforeAll(async () => {
  real = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => real.close());

it('logs the first failure of a burst, each new code once, summaries, then one recovery', async () => {
  const listeners = new Set<(e: StoreUnavailableError) => void>();
  let down: string | undefined;
  const fail = (code: string) => {
    const e = sqliteUnavailable({ code, message: `${code} message` })!;
    for (const l of listeners) l(e);
    return e;
  };
  const store: Store = {
    ...real,
    onUnavailable(l) {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    settings: {
      ...real.settings,
      set: async (k, v) => {
        if (down) throw fail(down);
        return real.settings.set(k, v);
      },
    },
  };
  const lines: Array<{ level: string; msg: string }> = [];
  const log: HealthLog = {
    error: (_, msg) => lines.push({ level: 'error', msg }),
    warn: (_, msg) => lines.push({ level: 'warn', msg }),
    info: (_, msg) => lines.push({ level: 'info', msg }),
  };
  const health = storeHealth({
    store,
    clock: systemClock,
    log: () => log,
    probeMs: 10,
    summaryMs: 50,
    checkMs: 0,
    quietMs: 30,
  });
  try {
    const of = (level: string) => lines.filter((l) => l.level === level);
    expect(health.check()).toBeUndefined();

    for (let burst = 1; burst <= 2; burst++) {
      down = 'SQLITE_FULL';
      for (let i = 0; i < 50; i++) fail('SQLITE_FULL');
      expect(health.check()).toMatchObject({ kind: 'disk_full', code: 'SQLITE_FULL' });
      // The probes keep failing: summaries come while it lasts.
      const warns = of('warn').length;
      await until(() => (of('warn').length >= warns + 2 ? true : undefined));
      fail('SQLITE_IOERR_WRITE');
      fail('SQLITE_IOERR_WRITE');
      down = undefined;
      await until(() => (health.check() === undefined ? true : undefined));
      expect(of('error').map((l) => l.msg)).toHaveLength(2 * burst);
      expect(of('info')).toHaveLength(burst);
    }
    const errors = of('error').map((l) => l.msg);
    expect(errors[0]).toBe(
      'store unavailable (disk_full): SQLITE_FULL: SQLITE_FULL message; API writes answer 503 until it recovers',
    );
    expect(errors[1]).toBe(
      'store still unavailable, now (io_error): SQLITE_IOERR_WRITE: SQLITE_IOERR_WRITE message',
    );
    expect(of('warn')[0]?.msg).toMatch(
      /^store still unavailable \(SQLITE_FULL\): \d+ failed operations in the last 0 s, \d+ since /,
    );
    expect(of('info')[0]?.msg).toMatch(
      /^store recovered: writes succeed again after [\d.]+ s unavailable \(\d+ failed operations\)$/,
    );
  } finally {
    health.close();
  }
});
