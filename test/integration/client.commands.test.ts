import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runClientCommand, type ClientCommand } from '../../src/cli/client.commands.js';
import { cliHarness } from '../support/cli.js';
import { MAIN_SID, MAIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import { until } from '../support/until.js';
import { addSimRule, buyNumber } from '../support/fixtures.js';
import { TEST_STORE } from '../support/stores.js';

// The client commands against a live server, on both stores (unlike the cli.* files): send,
// messages list|get|redact|delete, reset and tail, in-process (real HTTP) and, for tail and
// send, as the child process users run.

const FROM = '+14155552345';
const OTHER = '+14155552346';
const STUCK = '+14155550177'; // a /sim rule leaves messages to it `sent` (no delivery report)
let t: TestServer;
let env: NodeJS.ProcessEnv;
const { run, cleanup } = cliHarness();
afterEach(cleanup);

/** Runs a client command in-process; its exit code and output lines. */
async function loft(command: ClientCommand, argv: string[], signal?: AbortSignal, over = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runClientCommand(
    command,
    argv,
    { ...env, ...over },
    {
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      ...(signal && { signal }),
    },
  );
  return { code, out, err, text: out.join('\n') };
}

beforeAll(async () => {
  // Manual delivery: messages move when the test runs the due jobs, so tail sees each change.
  t = await startTestServer();
  env = { TWILIO_ACCOUNT_SID: MAIN_SID, TWILIO_AUTH_TOKEN: MAIN_TOKEN, PUBLIC_BASE_URL: t.url };
  for (const number of [FROM, OTHER]) await buyNumber(t, number);
  await addSimRule(t, { match: STUCK, outcome: 'no-dlr' });
});
afterAll(() => t.close());

describe('loft send and loft messages', () => {
  it('sends from --from, or from the first number; lists, gets, redacts and deletes', async () => {
    const a = await loft('send', ['--to', '+14155550101', '--body', 'first', '--from', OTHER]);
    expect(a.code).toBe(0);
    const [, sidA] = /^(SM[0-9a-f]{32}) {2}queued /.exec(a.text) ?? [];
    expect(sidA).toBeDefined();
    expect(a.text).toContain(`${OTHER} → +14155550101`);
    const b = await loft('send', ['--to', '+14155550102', '--body', 'second', '--json']);
    expect(b.code).toBe(0);
    const sent = JSON.parse(b.text) as { sid: string; from: string; body: string };
    expect(sent).toMatchObject({ from: FROM, body: 'second', status: 'queued' });
    const mms = await loft('send', [
      '--to',
      '+14155550103',
      '--body',
      'pic',
      '--media',
      'http://127.0.0.1:9/a.png',
      '--media',
      'http://127.0.0.1:9/b.png',
      '--json',
    ]);
    expect(JSON.parse(mms.text)).toMatchObject({ num_media: '2' });
    await t.runDue();

    const list = await loft('messages', ['list', '--limit', '2']);
    expect(list.code).toBe(0);
    expect(list.out).toHaveLength(2);
    expect(list.out[1]).toMatch(
      new RegExp(
        `^${sent.sid}  delivered +${FROM.replace('+', '\\+')} → \\+14155550102  \\d{4}-\\d\\d-\\d\\dT[\\d:]+Z  "second"$`,
      ),
    );
    const filtered = await loft('messages', ['list', '--to', '+14155550101', '--json']);
    expect((JSON.parse(filtered.text) as { sid: string }[]).map((m) => m.sid)).toEqual([sidA]);

    const got = await loft('messages', ['get', sent.sid]);
    expect(JSON.parse(got.text)).toMatchObject({
      sid: sent.sid,
      status: 'delivered',
      body: 'second',
    });
    const redacted = await loft('messages', ['redact', sent.sid]);
    expect(redacted.text).toBe(`${sent.sid} redacted`);
    expect(JSON.parse((await loft('messages', ['get', sent.sid])).text).body).toBe('');

    const deleted = await loft('messages', ['delete', sent.sid]);
    expect(deleted.text).toBe(`${sent.sid} deleted`);
    const gone = await loft('messages', ['get', sent.sid]);
    expect(gone.code).toBe(1);
    expect(gone.err.join('\n')).toMatch(
      /^loft messages: 404 20404 The requested resource .* was not found$/,
    );
  });

  it('says what is wrong: API errors, usage, credentials, an unreachable server', async () => {
    const bad = await loft('send', ['--to', 'nope', '--body', 'x']);
    expect(bad.code).toBe(1);
    expect(bad.err[0]).toMatch(/^loft send: 400 21211 /);
    expect((await loft('send', ['--body', 'x'])).code).toBe(2);
    expect((await loft('messages', ['frob'])).code).toBe(2);
    expect((await loft('messages', ['get'])).code).toBe(2);
    expect((await loft('messages', ['list', '--limit', '0'])).code).toBe(2);
    const anonymous = await loft('reset', [], undefined, { TWILIO_AUTH_TOKEN: '' });
    expect(anonymous.code).toBe(2);
    expect(anonymous.err[0]).toContain('TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN');
    const wrong = await loft('messages', ['list', '--auth-token', 'f'.repeat(32)]);
    expect(wrong.code).toBe(1);
    expect(wrong.err[0]).toMatch(/^loft messages: 401 20003 /);
    const away = await loft('reset', ['--url', 'http://127.0.0.1:9']);
    expect(away.code).toBe(3);
    expect(away.err[0]).toContain('cannot reach http://127.0.0.1:9');
  });
});

describe('loft reset', () => {
  it('deletes every finished message of the account; unfinished ones stay', async () => {
    await loft('send', ['--to', '+14155550111', '--body', 'done']);
    await loft('send', ['--to', STUCK, '--body', 'stays sent']);
    await t.runDue();
    const queued = await loft('send', ['--to', '+14155550112', '--body', 'still queued', '--json']);
    const before = await loft('messages', ['list', '--limit', '100', '--json']);
    const all = JSON.parse(before.text) as { sid: string; status: string }[];
    const finished = all.filter((m) => !['queued', 'sent'].includes(m.status));
    expect(finished.length).toBeGreaterThanOrEqual(2);

    const reset = await loft('reset', []);
    expect(reset.code).toBe(0);
    expect(reset.text).toBe(`deleted ${finished.length} finished messages of ${MAIN_SID}`);
    const after = JSON.parse((await loft('messages', ['list', '--json'])).text) as {
      sid: string;
      status: string;
    }[];
    expect(after.map((m) => m.status).sort()).toEqual(['queued', 'sent']);
    expect(after.map((m) => m.sid)).toContain(JSON.parse(queued.text).sid);
    // Their history went with them.
    const events = await t.http(
      'GET',
      `/loft/v1/Accounts/${MAIN_SID}/Messages/${finished[0]!.sid}/Events`,
    );
    expect(events.status).toBe(404);
    const again = await loft('reset', ['--json']);
    expect(JSON.parse(again.text)).toEqual({ account_sid: MAIN_SID, deleted: 0 });
    await t.runDue(); // the queued one is delivered; the stuck one stays sent
  });
});

describe('loft tail', () => {
  it('prints each status a message reaches, from the start on', async () => {
    // Created before the tail starts: only its changes from now on are printed.
    const early = JSON.parse(
      (await loft('send', ['--to', '+14155550121', '--body', 'early', '--json'])).text,
    ).sid as string;
    const stop = new AbortController();
    const lines: string[] = [];
    let ready = false;
    const tail = runClientCommand('tail', [], env, {
      out: (l) => lines.push(l),
      err: (l) => {
        if (l.startsWith('following')) ready = true;
      },
      signal: stop.signal,
    });
    await until(() => (ready ? true : undefined));
    const late = JSON.parse(
      (await loft('send', ['--to', '+14155550122', '--body', 'late', '--json'])).text,
    ).sid as string;
    await t.runDue();
    const of = (sid: string) => lines.filter((l) => l.includes(sid)).map((l) => l.split(/\s+/)[2]);
    await until(() => (of(late).length === 4 && of(early).length === 3 ? true : undefined));
    stop.abort();
    expect(await tail).toBe(0);
    expect(of(early)).toEqual(['sending', 'sent', 'delivered']);
    expect(of(late)).toEqual(['queued', 'sending', 'sent', 'delivered']);
    expect(lines.find((l) => l.includes(late) && l.includes('delivered'))).toMatch(
      new RegExp(
        `^\\d{4}-\\d\\d-\\d\\dT[\\d:.]+Z  ${late}  delivered +\\${FROM} → \\+14155550122$`,
      ),
    );
  });

  it('as a process: --to and --status filter, an undelivered status shows its error, Ctrl-C ends it', async () => {
    await addSimRule(t, { match: '+1415555013*', outcome: 'undelivered:30003' });
    const child = run(['tail', '--to', '+14155550130', '--status', 'undelivered'], {
      TWILIO_ACCOUNT_SID: MAIN_SID,
      TWILIO_AUTH_TOKEN: MAIN_TOKEN,
      PUBLIC_BASE_URL: t.url,
    });
    await child.waitFor(/following the messages of/);
    // `loft send` as a process too.
    const send = run(['send', '--to', '+14155550130', '--body', 'lost'], {
      TWILIO_ACCOUNT_SID: MAIN_SID,
      TWILIO_AUTH_TOKEN: MAIN_TOKEN,
      PUBLIC_BASE_URL: t.url,
    });
    expect(await send.exited).toBe(0);
    const [, sid] = /^(SM[0-9a-f]{32}) {2}queued/m.exec(send.output()) ?? [];
    // Undelivered too, but to another number.
    const elsewhere = await loft('send', ['--to', '+14155550131', '--body', 'also lost']);
    await t.runDue();
    const [line] = await child.waitFor(new RegExp(`${sid}  undelivered 30003 .*$`, 'm'));
    expect(line).toContain(`${FROM} → +14155550130`);
    child.child.kill('SIGINT');
    expect(await child.exited).toBe(0);
    // Only the undelivered status of messages to --to was printed.
    expect(child.output()).not.toMatch(/ (queued|sending|sent) /);
    expect(child.output()).not.toContain(elsewhere.text.slice(0, 34));
  });
});

// A stream that breaks (the server restarts) is opened again where it left off. SQLite only:
// the restarted server must find the same store, and each PostgreSQL test server gets a fresh
// database (whose message positions start over, so `Last-Event-ID` would point past them).
describe.skipIf(TEST_STORE === 'postgres')('loft tail across a server restart', () => {
  it('reconnects to the live stream and sees a change made after the restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'loft-tail-'));
    let first: TestServer | undefined = await startTestServer({ dir });
    let second: TestServer | undefined;
    try {
      await buyNumber(first, FROM);
      const port = new URL(first.url).port;
      const stop = new AbortController();
      const lines: string[] = [];
      const errors: string[] = [];
      let ready = false;
      const tail = runClientCommand(
        'tail',
        [],
        { ...env, PUBLIC_BASE_URL: first.url },
        {
          out: (l) => lines.push(l),
          err: (l) => (l.startsWith('following') ? (ready = true) : errors.push(l)),
          signal: stop.signal,
        },
      );
      await until(() => (ready ? true : undefined));
      await first.close();
      first = undefined;
      second = await startTestServer({ dir, argv: ['--port', port] });
      const m = await second.client.messages.create({ from: FROM, to: '+14155550140', body: 'x' });
      await second.runDue();
      await until(() => (lines.some((l) => l.includes(`${m.sid}  delivered`)) ? true : undefined));
      stop.abort();
      expect(await tail).toBe(0);
      expect(lines.filter((l) => l.includes(m.sid)).map((l) => l.split(/\s+/)[2])).toEqual([
        'queued',
        'sending',
        'sent',
        'delivered',
      ]);
      // The first server ended its stream on closing; a reconnect refused meanwhile says so.
      expect(errors.every((e) => e.endsWith('reconnecting'))).toBe(true);
    } finally {
      await first?.close();
      await second?.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
