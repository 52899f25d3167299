/**
 * Soak: a status callback receiver down for 60 s of real time loses no callback (issue 16: a
 * 30 s outage lost 10 of 300 first callbacks). A real server (the default retry schedule, the
 * wall clock, background workers) sends 300 messages while the receiver refuses connections for
 * 30 s and answers 503 for 30 s more; then it comes back. Every message's three callbacks
 * (`sending`, `sent`, `delivered`) must arrive, in that order. `LOFT_TEST_STORE=postgres` runs it
 * on PostgreSQL. Prints the figures; exits 1 on a lost or misordered callback.
 */
import { MAIN_SID, MAIN_TOKEN, startTestServer } from '../test/support/server.js';
import { outageReceiver } from '../test/support/outage-receiver.js';

const MESSAGES = Number(process.env['SOAK_MESSAGES'] ?? 300);
const REFUSE_MS = 30_000;
const DOWN_MS = 60_000;
/** Past the outage: the 7th round of the first callbacks comes 63–95 s after their first. */
const DEADLINE_MS = 5 * 60_000;
const FROM = '+14155552345';
const EVERY_STATUS = ['sending', 'sent', 'delivered'];

const store = process.env['LOFT_TEST_STORE'] === 'postgres' ? 'postgres' : 'sqlite';
const rx = await outageReceiver(MAIN_TOKEN);
const t = await startTestServer({ delivery: 'auto' });
let ok = false;
try {
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
  await rx.setMode('refuse');
  const started = Date.now();
  const to503 = setTimeout(() => void rx.setMode('503'), REFUSE_MS);
  const toUp = setTimeout(() => void rx.setMode('up'), DOWN_MS);
  const sids: string[] = [];
  for (let i = 0; i < MESSAGES; i++) {
    const m = await t.client.messages.create({
      from: FROM,
      to: `+1415555${String(1000 + (i % 9000))}`,
      body: `soak ${i}`,
      statusCallback: `${rx.url}status`,
    });
    sids.push(m.sid);
  }
  const created = Date.now() - started;
  const expected = sids.length * EVERY_STATUS.length;
  let duringOutage = 0;
  while (rx.taken.length < expected && Date.now() - started < DEADLINE_MS) {
    await new Promise((r) => setTimeout(r, 250));
    if (Date.now() - started < DOWN_MS) duringOutage = rx.taken.length;
  }
  clearTimeout(to503);
  clearTimeout(toUp);
  const done = Math.max(started, ...rx.taken.map((c) => c.at)) - started;

  const got = rx.bySid();
  let lost = 0;
  let misordered = 0;
  let duplicates = 0;
  for (const sid of sids) {
    const statuses = got.get(sid) ?? [];
    lost += EVERY_STATUS.filter((s) => !statuses.includes(s)).length;
    const firsts = statuses.filter((s, i) => statuses.indexOf(s) === i);
    duplicates += statuses.length - firsts.length;
    if (firsts.join() !== EVERY_STATUS.filter((s) => firsts.includes(s)).join()) misordered++;
  }
  const invalid = rx.taken.filter((c) => !c.valid).length;
  const attempts = await t.server.store.webhooks.attemptsForAccount(MAIN_SID, 100_000);
  // A failed round with no next one: a callback given up.
  const givenUp = attempts.filter((a) => a.nextRetryAt === null && a.responseStatus !== 200);
  let maxRounds = 0;
  for (const sid of sids.slice(0, 20)) {
    const log = await t.server.store.webhooks.attempts(sid);
    maxRounds = Math.max(
      maxRounds,
      log.filter((a) => a.params['MessageStatus'] === 'sending').length,
    );
  }
  console.log(
    JSON.stringify(
      {
        store,
        messages: sids.length,
        outage: { refusedMs: REFUSE_MS, answered503Ms: DOWN_MS - REFUSE_MS },
        createsTookMs: created,
        callbacksExpected: expected,
        callbacksTaken: rx.taken.length,
        takenDuringOutage: duringOutage,
        answered503: rx.refused503,
        lost,
        misorderedMessages: misordered,
        duplicates,
        invalidSignatures: invalid,
        requestsMade: attempts.length,
        callbacksGivenUp: givenUp.length,
        maxRoundsOfFirstCallback: maxRounds,
        lastCallbackAfterStartMs: done,
        lastCallbackAfterRecoveryMs: done - DOWN_MS,
      },
      null,
      2,
    ),
  );
  ok =
    lost === 0 && misordered === 0 && invalid === 0 && duringOutage === 0 && givenUp.length === 0;
} finally {
  await t.close();
  await rx.close();
}
console.log(ok ? 'callbacks soak: PASS (0 lost, in order)' : 'callbacks soak: FAIL');
process.exit(ok ? 0 : 1);
