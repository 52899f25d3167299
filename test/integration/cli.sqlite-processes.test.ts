import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cliHarness } from '../support/cli.js';
import { basic } from '../support/server.js';
import { until } from '../support/until.js';

// The supported multi-process SQLite setup: one API-only `loft serve` and one `loft worker` on
// one database file, started together on a file that does not exist yet (both migrate it).
const { run, tempDir, cleanup } = cliHarness();
afterEach(cleanup);

const ROUNDS = 5;
const SID = 'AC' + '3'.repeat(32);
const TOKEN = 'multi-process-token';

describe('loft serve --workers off + loft worker on one new SQLite file', () => {
  it(`both come up healthy, ${ROUNDS} times out of ${ROUNDS}`, { timeout: 300_000 }, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const dir = tempDir();
      const barrier = join(dir, 'go');
      const env = {
        DATABASE_URL: `sqlite:${join(dir, 'loft.db')}`,
        LOG_LEVEL: 'warn',
        LOFT_TEST_BARRIER: barrier,
        TWILIO_ACCOUNT_SID: SID,
        TWILIO_AUTH_TOKEN: TOKEN,
        SIM_DELAY_MS: '0',
      };
      // Both processes load, then start at the same instant (see start-together.ts).
      const preload = { preload: './test/support/start-together.ts' };
      const serve = run(['serve', '--workers', 'off', '--port', '0'], env, preload);
      const worker = run(['worker'], env, preload);
      await Promise.all([serve.waitFor(/barrier: waiting/), worker.waitFor(/barrier: waiting/)]);
      writeFileSync(barrier, '');
      const [started, ready] = await Promise.allSettled([
        serve.waitFor(/listening on (http:\/\/[^\s]+)/),
        worker.waitFor(/Loft worker running/),
      ]);
      const context = `round ${round}:\n${serve.output()}\n---\n${worker.output()}`;
      expect(started.status, context).toBe('fulfilled');
      expect(ready.status, context).toBe('fulfilled');
      const url = (started as PromiseFulfilledResult<RegExpMatchArray>).value[1];
      expect((await fetch(`${url}/healthz`)).status, context).toBe(200);
      // The API process stores a message; the worker delivers it.
      const api = async (path: string, form?: Record<string, string>) => {
        const res = await fetch(`${url}/2010-04-01/Accounts/${SID}/${path}`, {
          method: form ? 'POST' : 'GET',
          headers: {
            authorization: basic(SID, TOKEN),
            ...(form && { 'content-type': 'application/x-www-form-urlencoded' }),
          },
          ...(form && { body: new URLSearchParams(form).toString() }),
        });
        return (await res.json()) as { sid: string; status: string };
      };
      await api('IncomingPhoneNumbers.json', { PhoneNumber: '+15017122661' });
      const sent = await api('Messages.json', {
        From: '+15017122661',
        To: '+14155550100',
        Body: 'hi',
      });
      await until(async () => {
        const m = await api(`Messages/${sent.sid}.json`);
        return m.status === 'delivered' ? m : undefined;
      });
      serve.child.kill('SIGTERM');
      worker.child.kill('SIGTERM');
      expect(await serve.exited, context).toBe(0);
      expect(await worker.exited, context).toBe(0);
      cleanup();
    }
  });
});
