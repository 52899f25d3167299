import { performance } from 'node:perf_hooks';
import { afterEach, describe, expect, it } from 'vitest';
import { MAIN_SID, startTestServer, type TestServer } from '../support/server.js';
import { TEST_STORE } from '../support/stores.js';
import {
  startCallbackClock,
  startHangServer,
  type CallbackClock,
  type HangServer,
} from '../support/slow-targets.js';

// Issue 16, item 2: a destination that never answers (a MediaUrl, a StatusCallback) occupies
// only its own slots. Other traffic's latency, create → `delivered` callback, is measured idle
// and while the slow target hangs, in the same test; the bound is generous and structural
// (twice idle, or idle plus a second), far below the hang itself (10 s webhook timeout, 15 s
// media fetch timeout), which is what other traffic used to wait for.

const FROM = '+14155552345';
const MESSAGES = `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`;

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  // The hanging servers first: their connections drop, so nothing in flight holds the stop up.
  for (const f of cleanup) await f();
  cleanup = [];
});

async function setup(): Promise<{ t: TestServer; hang: HangServer; clock: CallbackClock }> {
  const hang = await startHangServer();
  const clock = await startCallbackClock();
  const t = await startTestServer({ delivery: 'auto' });
  cleanup.push(
    () => hang.close(),
    () => t.close(),
    () => clock.close(),
  );
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
  return { t, hang, clock };
}

/** Creates a message; its SID. */
async function create(t: TestServer, form: Record<string, string | string[]>): Promise<string> {
  const res = await t.http('POST', MESSAGES, { From: FROM, To: '+14155550100', ...form });
  expect(res.status).toBe(201);
  return res.json.sid as string;
}

/** Creates `n` in batches of `width` at a time. */
async function createMany(t: TestServer, n: number, form: Record<string, string>, width = 50) {
  for (let i = 0; i < n; i += width) {
    await Promise.all(
      Array.from({ length: Math.min(width, n - i) }, (_, j) =>
        create(t, { ...form, Body: `${form['Body'] ?? 'm'} ${i + j}` }),
      ),
    );
  }
}

/**
 * Sends `n` plain SMS at once with a status callback to `clock`, and waits (at most `capMs`)
 * for every `delivered` callback: the slowest create → callback latency, in ms (Infinity when
 * some did not arrive within the cap).
 */
async function slowest(t: TestServer, clock: CallbackClock, n: number, capMs: number) {
  const sent = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const at = performance.now();
      const sid = await create(t, { Body: `fast ${i}`, StatusCallback: `${clock.base}/fast` });
      return { sid, at };
    }),
  );
  const end = performance.now() + capMs;
  const arrived = () => sent.every((s) => clock.arrivedAt(s.sid, 'delivered') !== undefined);
  while (!arrived() && performance.now() < end) await new Promise((r) => setTimeout(r, 5));
  return Math.max(...sent.map((s) => (clock.arrivedAt(s.sid, 'delivered') ?? Infinity) - s.at));
}

/** The bound: within 2× of idle, and never tighter than idle + 1 s (timer and scheduler noise). */
const bound = (idle: number) => Math.max(2 * idle, idle + 1000);

const report = (name: string, idle: number, during: number) =>
  console.log(
    `[isolation ${TEST_STORE}] ${name}: slowest create → delivered idle ${Math.round(idle)} ms, ` +
      `during the hang ${Number.isFinite(during) ? Math.round(during) : '> cap'} ms ` +
      `(bound ${Math.round(bound(idle))} ms)`,
  );

describe('isolation between slow and fast targets', () => {
  it('an MMS whose MediaUrl never answers does not hold up 20 plain SMS', async () => {
    const { t, hang, clock } = await setup();
    await slowest(t, clock, 20, 5000); // warm-up
    const idle = await slowest(t, clock, 20, 5000);
    expect(idle).toBeLessThan(Infinity);

    const mms = await create(t, { Body: 'mms', MediaUrl: `${hang.base}/never.png` });
    await hang.reached(1); // the fetch is in flight, and stays so
    const during = await slowest(t, clock, 20, bound(idle) + 3000);
    report('MMS with a hanging MediaUrl', idle, during);

    // The hang was in effect all along: the MMS still waits for its media.
    expect((await t.server.store.messages.findBySid(mms))?.status).toBe('queued');
    expect(during).toBeLessThanOrEqual(bound(idle));
  });

  it('600 messages whose StatusCallback hangs do not hold up another app’s callbacks', async () => {
    const { t, hang, clock } = await setup();
    await slowest(t, clock, 20, 5000); // warm-up
    const idle = await slowest(t, clock, 20, 5000);
    expect(idle).toBeLessThan(Infinity);

    await createMany(t, 600, { Body: 'slow', StatusCallback: `${hang.base}/status` });
    // Every slow message is dispatched and its delivery report applied (its callbacks queued),
    // and callbacks are hanging: what is measured next is only the callbacks' hold.
    for (;;) {
      if ((await t.server.store.outbox.count(['dispatch', 'sim-dlr'])) === 0) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    await hang.reached(1);
    const during = await slowest(t, clock, 20, bound(idle) + 3000);
    report('600 hanging status callbacks', idle, during);

    expect(hang.hits()).toBeGreaterThan(0);
    expect(during).toBeLessThanOrEqual(bound(idle));
  });
});
