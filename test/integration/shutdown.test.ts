import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';
import { cliHarness, type CliRun } from '../support/cli.js';
import { sqlOn } from '../support/sql.js';
import { MAIN_SID, MAIN_TOKEN, sdkClient } from '../support/server.js';
import {
  createTestDatabase,
  postgresServerUrl,
  TEST_STORE,
  type TestDatabase,
} from '../support/stores.js';

// Issue 19: SIGTERM under load. `loft serve` gets SIGTERM while creates pour in through the
// twilio client: it stops accepting, answers the requests in flight, lets its jobs finish or
// gives their leases back, and exits 0. Every create that got a 201 is stored, no job is left
// leased, and after a restart every acknowledged message reaches its handset exactly once.
// On PostgreSQL the processes share a database on the server (skipped without one).
const FROM = '+14155552345';
const pgServer = TEST_STORE === 'postgres' ? await postgresServerUrl() : undefined;
const cli = cliHarness();
let database: TestDatabase | undefined;
let databaseUrl: string;
beforeAll(async () => {
  if (pgServer) database = await createTestDatabase(pgServer);
  databaseUrl = database?.url ?? cli.tempDb();
});
afterEach(() => cli.cleanup());
afterAll(async () => {
  await database?.drop();
});

/** `loft serve` on the shared store, JSON logs; resolves with its URL once it listens. */
async function serve(): Promise<{ p: CliRun; url: string }> {
  const p = cli.run(['serve', '--port', '0'], {
    DATABASE_URL: databaseUrl,
    TWILIO_ACCOUNT_SID: MAIN_SID,
    TWILIO_AUTH_TOKEN: MAIN_TOKEN,
    // Deliveries take a moment: SIGTERM finds delivery reports scheduled and jobs in flight.
    SIM_DELAY_MS: '20',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT: '20s',
  });
  const [, url] = await p.waitFor(/listening on (http:\/\/\S+)/);
  return { p, url: url! };
}

/** The JSON log lines of a run (the banner's lines are not JSON). */
const jsonLines = (out: string) =>
  out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it.skipIf(TEST_STORE === 'postgres' && !pgServer)(
  'SIGTERM under load: every 201 stored, nothing left leased, each dispatched exactly once',
  async () => {
    const query = sqlOn(databaseUrl);
    const first = await serve();
    const client = sdkClient(first.url);
    await client.incomingPhoneNumbers.create({ phoneNumber: FROM });

    // 16 senders create until the server stops answering; SIGTERM once 300 are acknowledged.
    const acknowledged: string[] = [];
    let signalled = false;
    let n = 0;
    const sender = async () => {
      for (;;) {
        const i = n++;
        try {
          const m = await client.messages.create({
            from: FROM,
            to: `+1415555${String(1000 + (i % 500))}`,
            body: `m${i}`,
          });
          acknowledged.push(m.sid);
        } catch {
          // Refused (connection closed, or 503 while closing): not acknowledged, so not owed.
          if (signalled) return;
          throw new Error(`create ${i} failed before SIGTERM`);
        }
        if (acknowledged.length >= 300 && !signalled) {
          signalled = true;
          first.p.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, sender));
    expect(await first.p.exited, first.p.output()).toBe(0);
    const stoppedAt = Date.now();

    // Logged as JSON lines: stopping (with the jobs in flight) and stopped.
    const lines = jsonLines(first.p.output());
    expect(lines.find((l) => l['msg'] === 'stopping')).toMatchObject({
      signal: 'SIGTERM',
      jobsInFlight: expect.any(Number),
    });
    expect(lines.some((l) => l['msg'] === 'stopped')).toBe(true);

    // Every acknowledged create is stored, and nothing else was (requests in flight were
    // answered); no job keeps a lease.
    const stored = await query<{ sid: string }>('select sid from messages');
    expect(new Set(stored.map((m) => m.sid))).toEqual(new Set(acknowledged));
    const leased = await query<{ n: number }>(
      `select cast(count(*) as integer) n from outbox where lease_until > ${stoppedAt}`,
    );
    expect(leased[0]!.n).toBe(0);

    // Restarted, it dispatches what is left: each acknowledged message delivered, once.
    const second = await serve();
    const pending = async () =>
      (
        await query<{ n: number }>(
          "select cast(count(*) as integer) n from messages where status not in ('delivered','undelivered','failed')",
        )
      )[0]!.n;
    while ((await pending()) > 0) await new Promise((r) => setTimeout(r, 100));
    const final = await query<{ sid: string; status: string }>('select sid, status from messages');
    expect(final.every((m) => m.status === 'delivered')).toBe(true);
    const deliveries = await query<{ message_sid: string; n: number }>(
      "select message_sid, cast(count(*) as integer) n from sim_deliveries where direction = 'to-handset' group by message_sid",
    );
    expect(deliveries.map((d) => d.message_sid).sort()).toEqual([...acknowledged].sort());
    expect(deliveries.every((d) => d.n === 1)).toBe(true);
    second.p.child.kill('SIGTERM');
    expect(await second.p.exited).toBe(0);
  },
  120_000,
);

// Store-independent (a SQLite file either way): run once, in the SQLite project.
it.skipIf(TEST_STORE === 'postgres')(
  'LOG_FORMAT: json writes a JSON object per log line; pretty writes readable lines',
  async () => {
    const start = async (format: string) => {
      const p = cli.run(['serve', '--port', '0', '--log-format', format], {
        DATABASE_URL: cli.tempDb(),
        LOG_LEVEL: 'info',
      });
      await p.waitFor(/base_url/);
      p.child.kill('SIGTERM');
      expect(await p.exited).toBe(0);
      return p.output();
    };
    const json = await start('json');
    // Every line but the banner's is a log line, and each parses as JSON.
    const banner =
      /^(Loft is listening|Main account:|Auth token:|Test SID:|Test token:|Node:|Python:|\s|$)/;
    const logLines = json.split('\n').filter((l) => !banner.test(l));
    expect(logLines.length).toBeGreaterThanOrEqual(3);
    const parsed = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.map((l) => l['msg'])).toEqual(
      expect.arrayContaining(['migrations applied', 'started', 'stopping', 'stopped']),
    );
    expect(parsed.find((l) => l['msg'] === 'started')).toMatchObject({
      level: 30,
      store: 'sqlite',
      version: expect.any(String),
      address: expect.stringMatching(/^http:\/\//),
    });
    const pretty = await start('pretty');
    expect(pretty).toMatch(/INFO.*: started/);
    expect(pretty).not.toMatch(/^\{/m);
  },
);
