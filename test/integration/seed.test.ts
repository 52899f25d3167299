import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_FROM, seedMessages, seedTo } from '../../src/cli/seed.js';
import { MAIN_SID, MAIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { TEST_STORE } from '../support/stores.js';

// `loft seed` writes through the store; everything here reads back through a real server with
// the official twilio client, so the seeded rows must be what the API serves, filters and pages.
const COUNT = 2000;
const NOW = Date.UTC(2025, 5, 30, 12, 0, 0);
const DAY = 86_400_000;

type Listed = Awaited<ReturnType<TestServer['client']['messages']['list']>>;

describe('seedMessages into a fresh store, read through the twilio client', () => {
  let t: TestServer;
  let all: Listed;

  beforeAll(async () => {
    t = await startTestServer();
    const result = await seedMessages(t.server.store, {
      accountSid: MAIN_SID,
      count: COUNT,
      batchSize: 700,
      now: NOW,
      seed: 7,
    });
    expect(result.count).toBe(COUNT);
    all = await t.client.messages.list({ pageSize: 1000 });
  }, 60_000);
  afterAll(() => t?.close());

  it('stores every message once, newest first, spread over the 90 days before `now`', () => {
    expect(all).toHaveLength(COUNT);
    expect(new Set(all.map((m) => m.sid)).size).toBe(COUNT);
    const created = all.map((m) => m.dateCreated.getTime());
    for (let i = 1; i < created.length; i++) {
      expect(created[i - 1] as number).toBeGreaterThanOrEqual(created[i] as number);
    }
    expect(created[0] as number).toBeLessThanOrEqual(NOW);
    expect(created[created.length - 1] as number).toBeGreaterThanOrEqual(NOW - 90 * DAY - 1000);
    // Evenly spread: the middle message is near the middle of the period.
    expect(Math.abs((created[COUNT / 2] as number) - (NOW - 45 * DAY))).toBeLessThan(DAY);
  });

  it('is mostly delivered outbound, with some undelivered, failed and received inbound', () => {
    const by = (status: string) => all.filter((m) => m.status === status);
    expect(by('delivered').length).toBeGreaterThan(COUNT * 0.88);
    for (const s of ['undelivered', 'failed', 'received']) expect(by(s).length).toBeGreaterThan(0);
    for (const m of by('delivered')) {
      expect(m.direction).toBe('outbound-api');
      expect(SEED_FROM).toContain(m.from);
      expect(m.dateSent).not.toBeNull();
      expect(m.price).toMatch(/^-0\.0\d{3}0$/);
      expect(m.errorCode).toBeNull();
    }
    for (const m of by('undelivered')) expect(m.errorCode).toBeGreaterThanOrEqual(30003);
    for (const m of by('received')) {
      expect(m.direction).toBe('inbound');
      expect(SEED_FROM).toContain(m.to);
    }
    expect(new Set(all.map((m) => m.from)).size).toBeGreaterThan(SEED_FROM.length);
  });

  it('To and From filters return exactly the matching rows', async () => {
    const hot = seedTo(0);
    const expected = all.filter((m) => m.to === hot).map((m) => m.sid);
    // The ten hot recipients get about 1 % of the traffic each.
    expect(expected.length).toBeGreaterThan(8);
    const byTo = await t.client.messages.list({ to: hot, pageSize: 7 });
    expect(byTo.map((m) => m.sid)).toEqual(expected);
    const from = SEED_FROM[2];
    const byFrom = await t.client.messages.list({ from, pageSize: 1000 });
    expect(byFrom.map((m) => m.sid)).toEqual(all.filter((m) => m.from === from).map((m) => m.sid));
  });

  it('a DateSent range returns the messages sent in it, by date sent', async () => {
    const after = new Date(NOW - 50 * DAY);
    const before = new Date(NOW - 43 * DAY);
    const inRange = (m: Listed[number]) =>
      m.dateSent !== null &&
      m.dateSent.getTime() >= after.getTime() &&
      m.dateSent.getTime() <= before.getTime();
    const expected = all
      .filter(inRange)
      .sort((a, b) => (b.dateSent?.getTime() ?? 0) - (a.dateSent?.getTime() ?? 0));
    expect(expected.length).toBeGreaterThan(100);
    const got = await t.client.messages.list({
      dateSentAfter: after,
      dateSentBefore: before,
      pageSize: 50,
    });
    expect(new Set(got.map((m) => m.sid))).toEqual(new Set(expected.map((m) => m.sid)));
    const sent = got.map((m) => m.dateSent?.getTime() ?? 0);
    for (let i = 1; i < sent.length; i++) {
      expect(sent[i - 1] as number).toBeGreaterThanOrEqual(sent[i] as number);
    }
  });

  it('pages with PageToken follow the full listing without gaps or repeats', async () => {
    const first = await t.client.messages.page({ pageSize: 50 });
    // nextPage() is typed as the SDK's generic Page; it has the same `instances` and `nextPage`.
    let page: { instances: { sid: string }[]; nextPage: () => Promise<unknown> | undefined } =
      first;
    const seen = page.instances.map((m) => m.sid);
    for (let i = 0; i < 5; i++) {
      const next = (await page.nextPage()) as typeof page | undefined;
      if (!next) throw new Error(`no page after ${seen.length} messages`);
      // Each page's next_page_uri carries a PageToken (keyset), not only Page=N.
      expect((next as unknown as { _payload: { uri: string } })._payload.uri).toContain(
        'PageToken=',
      );
      page = next;
      seen.push(...page.instances.map((m) => m.sid));
    }
    expect(seen).toEqual(all.slice(0, 300).map((m) => m.sid));
  });

  it('is deterministic for a seed: the same numbers, statuses and bodies again', async () => {
    // A fresh server seeded with seed 7; what its messages look like through the API.
    const seededShape = async () => {
      const t = await startTestServer();
      try {
        await seedMessages(t.server.store, { accountSid: MAIN_SID, count: 300, now: NOW, seed: 7 });
        const listed: Listed = await t.client.messages.list({ pageSize: 300 });
        return listed.map((m) => [m.to, m.from, m.status, m.body, m.dateSent]);
      } finally {
        await t.close();
      }
    };
    expect(await seededShape()).toEqual(await seededShape());
  }, 60_000);
});

// The CLI itself (flags, account, progress output) on a SQLite file; its store work is the
// `seedMessages` above, which runs on every store. On PostgreSQL the test server gets a fresh
// database of its own, so it could not open one that the CLI seeded.
describe.skipIf(TEST_STORE !== 'sqlite')('loft seed (CLI, SQLite file)', () => {
  const root = resolve(import.meta.dirname, '../..');
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  function seedCli(args: string[]): Promise<{ code: number | null; out: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/loft.ts', 'seed', ...args], {
      cwd: root,
      env: { ...process.env, TWILIO_ACCOUNT_SID: MAIN_SID, TWILIO_AUTH_TOKEN: MAIN_TOKEN },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    // 'close', not 'exit': the exit code once its output has been read to the end.
    return new Promise((ok) => child.on('close', (code) => ok({ code, out })));
  }

  it('seeds the main account of a database that a server then serves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loft-seed-'));
    dirs.push(dir);
    const db = `sqlite:${join(dir, 'loft.db')}`;
    const run = await seedCli(['--count', '1500', '--batch-size=400', '--database-url', db]);
    expect(run.code, run.out).toBe(0);
    // Not a terminal: plain progress lines, then a summary.
    expect(run.out).toMatch(/seeded 1500\/1500 \(100 %\)/);
    expect(run.out).toMatch(new RegExp(`seeded 1500 messages into ${MAIN_SID} on sqlite:.* msg/s`));
    const t = await startTestServer({ dir });
    try {
      const listed = await t.client.messages.list({ pageSize: 1000 });
      expect(listed).toHaveLength(1500);
      const again = await seedCli(['--count', '500', '--database-url', db]);
      expect(again.code, again.out).toBe(0);
      expect(await t.client.messages.list({ pageSize: 1000 })).toHaveLength(2000);
    } finally {
      await t.close();
    }
  }, 60_000);

  it('exits 2 without --count or with an unknown --account', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loft-seed-'));
    dirs.push(dir);
    const db = `sqlite:${join(dir, 'loft.db')}`;
    const none = await seedCli(['--database-url', db]);
    expect(none.code).toBe(2);
    expect(none.out).toContain('--count');
    const unknown = await seedCli([
      '--count',
      '10',
      '--account',
      'AC' + '0'.repeat(32),
      '--database-url',
      db,
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toContain('no such account');
  }, 30_000);
});
