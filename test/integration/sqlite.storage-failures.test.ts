import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import {
  captureLogs,
  expectUnavailable,
  faultServer,
  health,
  recovered,
  send,
  sendUntilUnavailable,
  undelivered,
} from '../support/storage-faults.js';

// A real full disk under a running server: the database lives on a small tmpfs, which the test
// fills with a file until the kernel answers ENOSPC, then empties again. SQLite then fails
// writes with SQLITE_FULL exactly as on a full production disk (no PRAGMA, no mock). Mounting
// needs root with CAP_SYS_ADMIN, as the suite runs in CI; elsewhere the test is skipped and says
// why. (A file made read-only cannot stand in for it: the server's open descriptors keep
// writing, root ignores the mode anyway, and a read-only remount is refused while files are
// open for writing. A read-only SQLite file is a start-up failure, in cli.startup.test.ts.)
//
// While the disk is full, a reader holds a snapshot open (as a backup or a report would): WAL
// space already allocated is otherwise reused as soon as a checkpoint completes, and writes
// that fit in it succeed, so a full disk fails writes on and off (which Loft also handles, with
// one burst per spell); the pinned WAL makes every write need new space, so the test knows
// which answers to expect.
const dir = mkdtempSync(join(tmpdir(), 'loft-full-'));
let mountError: string | undefined;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir], { stdio: 'pipe' });
} catch (e) {
  mountError = String((e as { stderr?: Buffer }).stderr ?? e).trim();
}
afterAll(() => {
  if (!mountError) execFileSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Fills the tmpfs until the kernel refuses (ENOSPC); returns the filler file's path. */
function fillDisk(): string {
  const path = join(dir, `filler-${Date.now()}`);
  const fd = openSync(path, 'w');
  try {
    for (const size of [1 << 20, 1 << 12, 1]) {
      const chunk = Buffer.alloc(size, 1);
      try {
        for (;;) writeSync(fd, chunk);
      } catch (e) {
        if ((e as { code?: string }).code !== 'ENOSPC') throw e;
      }
    }
  } finally {
    closeSync(fd);
  }
  return path;
}

describe('SQLite on a full disk', () => {
  it('answers 503 with Retry-After, logs SQLITE_FULL once per burst, reports and recovers health, loses no acknowledged message', async (ctx) => {
    if (mountError) {
      console.log(`skipped: cannot mount a tmpfs here (${mountError}); needs root`);
      ctx.skip();
    }
    const logs = captureLogs();
    const t = await faultServer(logs, dir);
    try {
      const acked: string[] = [];
      const figures: string[] = [];
      for (let burst = 1; burst <= 2; burst++) {
        // Acknowledged just before the disk fills: their dispatch meets the full disk.
        for (const r of await Promise.all(Array.from({ length: 100 }, (_, i) => send(t, i)))) {
          expect(r.status, r.text).toBe(201);
          acked.push(r.json.sid as string);
        }
        let at = performance.now();
        const filler = fillDisk();
        figures.push(`fill ${Math.round(performance.now() - at)} ms`);
        at = performance.now();
        const reader = new SQLite(join(dir, 'loft.db'), { readonly: true });
        reader.exec('BEGIN');
        reader.prepare('select count(*) from messages').get();
        const before = acked.length;
        expectUnavailable(await sendUntilUnavailable(t, acked));
        // While the disk stays full, every create is refused the same way, never with a 500.
        const more = await Promise.all(Array.from({ length: 20 }, (_, i) => send(t, i)));
        for (const r of more) expectUnavailable(r);
        figures.push(`503s ${Math.round(performance.now() - at)} ms`);
        const sick = await health(t);
        expect(sick).toMatchObject({ healthz: 503, readyz: 503 });
        expect(sick.body).toMatchObject({ status: 'unavailable', error: { code: 'SQLITE_FULL' } });
        rmSync(filler);
        const startedAt = performance.now();
        await recovered(t);
        reader.close();
        figures.push(
          `burst ${burst}: ${acked.length - before} creates acknowledged before the first 503, ` +
            `healthy ${Math.round(performance.now() - startedAt)} ms after the disk was freed`,
        );
        const after = await send(t, 0);
        expect(after.status, after.text).toBe(201);
        acked.push(after.json.sid as string);
        // One line with the driver's code per burst, one when it ends.
        expect(logs.starting('store unavailable')).toHaveLength(burst);
        expect(logs.starting('store recovered')).toHaveLength(burst);
      }
      for (const line of logs.starting('store unavailable')) {
        expect(line).toMatchObject({
          level: 50,
          store: { code: 'SQLITE_FULL', kind: 'disk_full' },
        });
        expect(line.msg).toMatch(/SQLITE_FULL: database or disk is full/);
      }
      // Not the follow-on rollback error, and no line per failed request or job.
      expect(logs.holding('cannot rollback')).toEqual([]);
      expect(logs.starting('unhandled error')).toEqual([]);
      expect(logs.starting('background job failed')).toEqual([]);
      // Every acknowledged message is delivered once the disk has room again.
      const waitAt = performance.now();
      expect(await undelivered(t, acked)).toEqual([]);
      figures.push(
        `all delivered ${Math.round(performance.now() - waitAt)} ms after the last burst`,
      );
      console.log(
        `SQLite full disk: ${acked.length} acknowledged, all delivered; ${figures.join('; ')}\n` +
          logs
            .all()
            .filter((l) => /^store /.test(l.msg ?? ''))
            .map((l) => `  ${l.msg}`)
            .join('\n'),
      );
    } finally {
      await t.close();
    }
  }, 60_000);
});
