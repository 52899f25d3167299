import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, afterEach, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { until } from '../support/until.js';
import { cliHarness } from '../support/cli.js';
import { messageRecord } from '../support/records.js';

// The WAL bound (src/store/sqlite/wal-bound.ts): a small bound, so a few seconds of writes
// cross it many times over (unbounded, this load grows the WAL by ~100 MB/s).

const LIMIT = 4 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'loft-wal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const walSize = (path: string) => statSync(`${path}-wal`, { throwIfNoEntry: false })?.size ?? 0;
const ACCOUNT = 'AC' + 'cd'.repeat(16);

/**
 * Sustained writes: `writers` callers, each inserting 8 messages per transaction (random SIDs,
 * so every commit dirties pages all over the indexes) back to back for `ms`. The WAL's size is
 * sampled after every commit and every 5 ms. Stops early once the peak passes `stopAbove`
 * (4× the bound): the assertion has failed by then, and an unbounded WAL would only fill the disk.
 */
async function sustain(store: Store, path: string, ms: number, stopAbove = 4 * LIMIT) {
  let peak = 0;
  let written = 0;
  const sample = () => (peak = Math.max(peak, walSize(path)));
  const timer = setInterval(sample, 5);
  const end = Date.now() + ms;
  try {
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (Date.now() < end && peak <= stopAbove) {
          await store.messages.insertMany(
            Array.from({ length: 8 }, () => ({
              message: messageRecord(ACCOUNT, { body: 'x'.repeat(100) }),
            })),
          );
          written += 8;
          sample();
        }
      }),
    );
  } finally {
    clearInterval(timer);
  }
  return { peak, written };
}

it('keeps the WAL within its bound under sustained writes, truncated once they stop', async () => {
  const path = join(dir, 'sustained.db');
  const store = await openSqliteStore({ path, walLimitBytes: LIMIT });
  try {
    const { peak, written } = await sustain(store, path, 2_000);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    // The load did reach the point where the WAL starts over (half the bound), many times over.
    expect(peak).toBeGreaterThan(LIMIT / 2);
    expect(written).toBeGreaterThan(1_000);
    // Idle for a second: truncated to nothing.
    expect(await until(() => walSize(path) <= LIMIT / 8 || undefined, 10_000)).toBe(true);
  } finally {
    await store.close();
  }
});

it('truncates a WAL left past its bound before the store opens', async () => {
  const path = join(dir, 'left.db');
  // Another connection (another process, or one killed under load) leaves an 8 MB WAL behind.
  const other = new SQLite(path);
  try {
    other.pragma('journal_mode = WAL');
    other.pragma('wal_autocheckpoint = 0');
    other.exec('create table filler (x blob)');
    const insert = other.prepare('insert into filler values (randomblob(4000))');
    for (let t = 0; t < 20; t++) other.transaction(() => [...Array(100)].map(() => insert.run()))();
    expect(walSize(path)).toBeGreaterThan(2 * LIMIT);
    const store = await openSqliteStore({ path, walLimitBytes: LIMIT });
    // At once, not after the idle delay: before anything else was written.
    expect(walSize(path)).toBeLessThanOrEqual(LIMIT / 8);
    expect(other.prepare('select count(*) as n from filler').get()).toEqual({ n: 2000 });
    await store.close();
  } finally {
    other.close();
  }
});

it('lets writes go on while a reader pins the WAL, says why, bounded again after', async () => {
  const path = join(dir, 'reader.db');
  const warnings: string[] = [];
  const store = await openSqliteStore({
    path,
    walLimitBytes: LIMIT,
    onWarning: (m) => warnings.push(m),
  });
  const reader = new SQLite(path);
  try {
    await sustain(store, path, 300);
    // A backup or a long report in another process: a read transaction that stays open.
    reader.exec('begin');
    reader.prepare('select count(*) from messages').get();
    const held = await sustain(store, path, 1_500, 64 * LIMIT);
    expect(held.written).toBeGreaterThan(500); // slowed, never stopped
    expect(held.peak).toBeGreaterThan(LIMIT); // the reader pins the WAL: nothing can bound it
    expect(warnings).toHaveLength(1); // once per episode, not per checkpoint tried
    expect(warnings[0]).toMatch(/could not complete .* read transaction/);
    reader.exec('commit');
    // The reader gone, the next checkpoint (retried within a second) completes, and the first
    // commit after it cuts the file back.
    const after = await sustain(store, path, 1_500, Infinity);
    expect(after.written).toBeGreaterThan(500);
    // On a slow disk the checkpoint of all that was written meanwhile may take longer than the
    // rest of those 1.5 s: writes go on until it has (the load, not idleness, must bound it).
    const deadline = Date.now() + 10_000;
    while (walSize(path) > LIMIT && Date.now() < deadline)
      await sustain(store, path, 250, Infinity);
    expect(walSize(path)).toBeLessThanOrEqual(LIMIT);
    expect(await until(() => walSize(path) <= LIMIT / 8 || undefined, 10_000)).toBe(true);
  } finally {
    reader.close();
    await store.close();
  }
});

const cli = cliHarness();
afterEach(() => cli.cleanup());

it('holds the bound with another process writing to the same file (`loft seed`)', async () => {
  const path = join(cli.tempDir(), 'loft.db');
  const store = await openSqliteStore({ path, walLimitBytes: LIMIT });
  try {
    // README "SQLite with several processes": `loft seed` next to a server, with the same bound.
    const seed = cli.run(
      ['seed', '--count', '1000000', '--batch-size', '20', '--database-url', `sqlite:${path}`],
      { SQLITE_WAL_LIMIT_MB: String(LIMIT / 1024 / 1024) },
    );
    await seed.waitFor(/seeded [1-9]/);
    const { peak, written } = await sustain(store, path, 2_000);
    expect(/seeded 1000000 messages/.test(seed.output())).toBe(false); // still writing
    seed.child.kill('SIGKILL');
    await seed.exited;
    expect(written).toBeGreaterThan(500);
    expect(peak).toBeLessThanOrEqual(LIMIT);
    expect(await until(() => walSize(path) <= LIMIT / 8 || undefined, 10_000)).toBe(true);
  } finally {
    await store.close();
  }
});
