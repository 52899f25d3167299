import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { loadConfig } from '../../src/config.js';
import { startServer, type Server } from '../../src/main.js';
import { MAIN_SID, MAIN_TOKEN, sdkClient } from '../support/server.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';
import { cliHarness } from '../support/cli.js';
import { browserSkipReason, launchChromium, signedInPage } from '../support/browser.js';

// The live log across processes: the console is open on server A (API only, `--workers off`),
// while a message is created and delivered by a separate `loft serve` process B on the same
// PostgreSQL database. Only the database (and its NOTIFY) connects them. Two processes cannot
// share a PGlite, so without a PostgreSQL server this file is skipped (CI has one).
const pg = await postgresServerUrl();
const skip = browserSkipReason ?? (pg ? undefined : 'no PostgreSQL server (PGlite is one process)');

describe.skipIf(skip !== undefined)('web console on PostgreSQL with two processes', () => {
  const cli = cliHarness();
  let database: TestDatabase;
  let a: Server;
  let bUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    database = await createTestDatabase(pg!);
    const env = {
      DATABASE_URL: database.url,
      TWILIO_ACCOUNT_SID: MAIN_SID,
      TWILIO_AUTH_TOKEN: MAIN_TOKEN,
      SIM_DELAY_MS: '300',
      LOG_LEVEL: 'warn',
    };
    const config = loadConfig(['--port', '0', '--workers', 'off'], env);
    a = await startServer(config, { logger: false });
    const b = cli.run(['serve', '--port', '0'], env);
    [bUrl, browser] = await Promise.all([
      b.waitFor(/listening on (http:\/\/\S+)/).then((m) => m[1]!),
      launchChromium(),
    ]);
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    cli.cleanup();
    await a?.close();
    await database?.drop();
  });

  it('a message created and delivered by another process appears within a second and turns delivered', async () => {
    const { page, context } = await signedInPage(browser, a.url, MAIN_SID, MAIN_TOKEN);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const client = sdkClient(bUrl);
    await client.incomingPhoneNumbers.create({ phoneNumber: '+15017122661' });
    const m = await client.messages.create({
      from: '+15017122661',
      to: '+14155550100',
      body: 'From process B',
    });
    const row = page.locator(`tr[data-sid="${m.sid}"]`);
    await row.waitFor({ timeout: 1000 });
    await row.locator('.badge[data-status="delivered"]').waitFor({ timeout: 5000 });
    expect(await row.textContent()).toContain('From process B');
    await context.close();
  });
});
