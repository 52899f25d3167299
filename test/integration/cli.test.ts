import { afterEach, describe, expect, it } from 'vitest';
import { cliHarness } from '../support/cli.js';

// The CLI as users run it: a child process with env configuration, a banner, /healthz, signals.
const { run, tempDb, cleanup } = cliHarness();
afterEach(cleanup);

describe('loft serve', () => {
  it('generates a main account once, prints it with SDK hints, serves /healthz, stops on SIGTERM', async () => {
    const db = tempDb();
    const first = run(['serve', '--port', '0', '--database-url', db], {});
    const [, url] = await first.waitFor(/listening on (http:\/\/[^\s]+)/);
    const [, sid] = await first.waitFor(/Main account: (AC[0-9a-f]{32})/);
    const [, token] = await first.waitFor(/Auth token:\s+([0-9a-f]{32})/);
    expect(first.output()).toContain('client.api.baseUrl');
    expect(first.output()).toContain('client.api.base_url');
    const health = await fetch(`${url}/healthz`);
    expect(health.status).toBe(200);
    const auth = 'Basic ' + Buffer.from(`${sid}:${token}`).toString('base64');
    const list = await fetch(`${url}/2010-04-01/Accounts/${sid}/Messages.json`, {
      headers: { authorization: auth },
    });
    expect(list.status).toBe(200);
    // The test credentials are printed too, and send (unstored) messages with the magic From.
    const [, testSid] = await first.waitFor(/Test SID:\s+(AC[0-9a-f]{32})/);
    const [, testToken] = await first.waitFor(/Test token:\s+([0-9a-f]{32})/);
    expect(testSid).not.toBe(sid);
    const sent = await fetch(`${url}/2010-04-01/Accounts/${testSid}/Messages.json`, {
      method: 'POST',
      headers: {
        authorization: 'Basic ' + Buffer.from(`${testSid}:${testToken}`).toString('base64'),
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'From=%2B15005550006&To=%2B14155550100&Body=hi',
    });
    expect(sent.status).toBe(201);
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);

    // A restart reuses the persisted account and does not print the token again.
    const second = run(['--port', '0', '--database-url', db], {});
    const [, again] = await second.waitFor(/Main account: (AC[0-9a-f]{32})/);
    expect(again).toBe(sid);
    await second.waitFor(/base_url/);
    expect(second.output()).not.toContain(token);
    // The test credentials are the same pair, shown on every start.
    const [, testAgain] = await second.waitFor(/Test SID:\s+(AC[0-9a-f]{32})/);
    expect(testAgain).toBe(testSid);
  });

  it('uses TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN from the environment', async () => {
    const sid = 'AC' + '5'.repeat(32);
    const p = run(['--port', '0'], {
      DATABASE_URL: tempDb(),
      TWILIO_ACCOUNT_SID: sid,
      TWILIO_AUTH_TOKEN: 'secret-token',
    });
    const [, url] = await p.waitFor(/listening on (http:\/\/[^\s]+)/);
    const auth = 'Basic ' + Buffer.from(`${sid}:secret-token`).toString('base64');
    const r = await fetch(`${url}/2010-04-01/Accounts/${sid}.json`, {
      headers: { authorization: auth },
    });
    expect(r.status).toBe(200);
  });

  it('fails fast with exit code 2 on bad configuration', async () => {
    const p = run(['--port', 'nope'], {});
    expect(await p.exited).toBe(2);
    expect(p.output()).toMatch(/PORT must be/);
  });

  it('migrate applies migrations and exits 0', async () => {
    const p = run(['migrate', '--database-url', tempDb()], {});
    expect(await p.exited).toBe(0);
    expect(p.output()).toMatch(/migrations applied/);
  });
});
