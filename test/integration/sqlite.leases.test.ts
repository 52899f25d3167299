import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAIN_SID, startTestServer } from '../support/server.js';

// On SQLite a process that delivers takes over leases left by a crashed predecessor at start-up.
// An API-only process (`--workers off`) next to a running `loft worker` must not: releasing the
// worker's leases would let the worker claim a job it is still running, and send it twice.

const dir = mkdtempSync(join(tmpdir(), 'loft-leases-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * Stores a job and a webhook leased to `worker` for an hour, restarts Loft with `workers`, and
 * tries to claim them.
 */
async function claimAfterRestart(workers: 'on' | 'off', ref: string) {
  // API only: nothing here claims the probes but the test.
  const first = await startTestServer({ dir, env: { WORKERS: 'off' } });
  const now = Date.now();
  const { store } = first.server;
  await store.outbox.enqueue([{ kind: `probe-${ref}`, ref, runAt: now }]);
  const webhook = await store.webhooks.insert({
    accountSid: MAIN_SID,
    orderKey: ref,
    kind: 'status-callback',
    // Nothing listens there: if the restarted process's queue takes it first, the round fails
    // and it is due again within seconds, still claimable half an hour on.
    url: 'http://127.0.0.1:9/',
    method: 'POST',
    params: {},
    fallbackUrl: null,
    fallbackMethod: null,
    createdAt: now,
    runAt: now,
  });
  const lease = { owner: 'worker', now, limit: 10, leaseMs: 3_600_000 };
  await store.outbox.claim({ ...lease, kinds: [`probe-${ref}`] });
  await store.webhooks.claim(lease);
  await first.close();
  const second = await startTestServer({ dir, env: { WORKERS: workers } });
  try {
    const other = { owner: 'other', now, limit: 10, leaseMs: 1000 };
    const jobs = await second.server.store.outbox.claim({ ...other, kinds: [`probe-${ref}`] });
    const hooks = await second.server.store.webhooks.claim({ ...other, now: now + 1_800_000 });
    return [
      ...jobs.map((j) => j.ref),
      ...hooks.filter((w) => w.id === webhook.id).map((w) => w.orderKey),
    ];
  } finally {
    await second.close();
  }
}

describe('SQLite leases at start-up', () => {
  it('an API-only process leaves a running worker its leases', async () => {
    expect(await claimAfterRestart('off', 'SMoff')).toEqual([]);
  });

  it('a process that delivers takes them over', async () => {
    expect(await claimAfterRestart('on', 'SMon')).toEqual(['SMon', 'SMon']);
  });
});
