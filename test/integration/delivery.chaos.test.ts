import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sequentialIds } from '../../src/ids.js';
import { fetchAsMain, MAIN_SID, startTestServer, type TestServer } from '../support/server.js';

// Probabilistic outcomes: a global chaos mix and per-rule mixes, reproducible from the seed.
let t: TestServer;
const FROM = '+14155552345';

beforeAll(async () => {
  // Outcomes are drawn from the seed and the message's SID: with sequential SIDs too, the
  // counts below are the same on every run (random SIDs made them a fresh draw each time).
  t = await startTestServer({ env: { SIM_SEED: 'fixed-seed' }, ids: sequentialIds() });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(() => t.close());

const put = (path: string, body: unknown, method = 'PUT') =>
  fetchAsMain(`${t.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

async function sendMany(n: number, to: (i: number) => string) {
  const sids: string[] = [];
  for (let i = 0; i < n; i++)
    sids.push((await t.client.messages.create({ from: FROM, to: to(i), body: `c${i}` })).sid);
  await t.runDue();
  const out = new Map<string, string>();
  for (const sid of sids) {
    const m = await t.client.messages(sid).fetch();
    out.set(sid, `${m.status}:${m.errorCode ?? ''}`);
  }
  return out;
}

describe('chaos', () => {
  it('a global mix applies its probabilities (within tolerance) where no rule matches', async () => {
    expect(
      (await put('/sim/chaos', { mix: [{ probability: 0.3, outcome: 'undelivered:30003' }] }))
        .status,
    ).toBe(200);
    const results = await sendMany(200, (i) => `+1415555${String(1000 + i)}`);
    const undelivered = [...results.values()].filter((v) => v === 'undelivered:30003').length;
    const delivered = [...results.values()].filter((v) => v === 'delivered:').length;
    expect(undelivered + delivered).toBe(200);
    expect(undelivered).toBeGreaterThan(35);
    expect(undelivered).toBeLessThan(85);
    expect((await put('/sim/chaos', null, 'DELETE')).status).toBe(204);
  });

  it('outcomes are reproducible: the same seed and SID give the same result', async () => {
    await put('/sim/rules', [{ match: '*', mix: [{ probability: 0.5, outcome: 'failed:30008' }] }]);
    const first = await sendMany(40, (i) => `+1415556${String(1000 + i)}`);
    // Re-deciding the same SIDs with the same seed gives the same answers…
    const network = t.server.delivery.network!;
    let view = await network.view(t.server.store);
    for (const [sid, result] of first) {
      const decision = view.decide('+14155561000', MAIN_SID, sid);
      expect(decision.outcome.status === 'failed' ? 'failed:30008' : 'delivered:').toBe(result);
    }
    // …and a different seed changes some of them.
    await put('/sim/settings', { seed: 'another-seed' }, 'PATCH');
    view = await network.view(t.server.store);
    const changed = [...first].filter(([sid, r]) => {
      const d = view.decide('+14155561000', MAIN_SID, sid);
      return (d.outcome.status === 'failed' ? 'failed:30008' : 'delivered:') !== r;
    });
    expect(changed.length).toBeGreaterThan(0);
    await put('/sim/rules', [], 'PUT');
  });

  it('lists, replaces and deletes rules through the API', async () => {
    const r = await put('/sim/rules', {
      rules: [{ id: 'a', match: '+1415*', outcome: 'delivered' }],
    });
    expect((await r.json()).rules).toEqual([
      { id: 'a', accountSid: null, match: '+1415*', outcome: { status: 'delivered' } },
    ]);
    expect((await fetchAsMain(`${t.url}/sim/rules/a`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetchAsMain(`${t.url}/sim/rules/a`, { method: 'DELETE' })).status).toBe(404);
    expect((await (await fetchAsMain(`${t.url}/sim/rules`)).json()).rules).toEqual([]);
  });
});
