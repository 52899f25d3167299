import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../support/server.js';

// On SQLite a process that delivers takes over leases left by a crashed predecessor at start-up.
// An API-only process (`--workers off`) next to a running `loft worker` must not: releasing the
// worker's leases would let the worker claim a job it is still running, and send it twice.

const dir = mkdtempSync(join(tmpdir(), 'loft-leases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Stores a job leased to `worker` for an hour, restarts Loft with `workers`, and tries to claim it. */
async function claimAfterRestart(workers: 'on' | 'off', ref: string) {
  const first = await startTestServer({ dir });
  const now = Date.now();
  await first.server.store.outbox.enqueueLeased([{ kind: `probe-${ref}`, ref, runAt: now }], {
    owner: 'worker',
    until: now + 3_600_000,
  });
  await first.close();
  const second = await startTestServer({ dir, env: { WORKERS: workers } });
  try {
    const args = { kinds: [`probe-${ref}`], owner: 'other', now, limit: 10, leaseMs: 1000 };
    return await second.server.store.outbox.claim(args);
  } finally {
    await second.close();
  }
}

describe('SQLite leases at start-up', () => {
  it('an API-only process leaves a running worker its leases', async () => {
    expect(await claimAfterRestart('off', 'SMoff')).toEqual([]);
  });

  it('a process that delivers takes them over', async () => {
    const jobs = await claimAfterRestart('on', 'SMon');
    expect(jobs.map((j) => j.ref)).toEqual(['SMon']);
  });
});
