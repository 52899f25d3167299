import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { startServer, type Server } from '../../src/main.js';
import { basic, MAIN_SID, MAIN_TOKEN, sdkClient } from '../support/server.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';
import { until } from '../support/until.js';

// Two servers on one PostgreSQL database (each with its own pool, read cache and LISTEN
// connection, as two processes have): rules and settings changed through one are what the
// other decides with, well within the read cache's 5 s TTL (the loft_cache signal clears it).
// Processes cannot share a PGlite, so without a server this file is skipped.
const pg = await postgresServerUrl();
let database: TestDatabase;
const servers: Server[] = [];
const MAIN = basic(MAIN_SID, MAIN_TOKEN);

beforeAll(async () => {
  if (!pg) return;
  database = await createTestDatabase(pg);
  const config = loadConfig(['--port', '0', '--database-url', database.url], {
    TWILIO_ACCOUNT_SID: MAIN_SID,
    TWILIO_AUTH_TOKEN: MAIN_TOKEN,
    SIM_DELAY_MS: '0',
  });
  for (let i = 0; i < 2; i++) {
    servers.push(await startServer(config, { logger: false, delivery: 'manual' }));
  }
});
afterAll(async () => {
  for (const s of servers) await s.close();
  await database?.drop();
});

const json = (url: string, method: string, body: unknown) =>
  fetch(url, {
    method,
    headers: { authorization: MAIN, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

it.skipIf(!pg)('a rule and a setting made through one server decide on the other', async () => {
  const [a, b] = servers as [Server, Server];
  const FROM = '+14155550101';
  const TO = '+14155550199';
  const client = sdkClient(b.url);
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM });
  const sendThroughB = async () => {
    const m = await client.messages.create({ from: FROM, to: TO, body: 'x' });
    await b.delivery.pipeline.runDue();
    const f = await client.messages(m.sid).fetch();
    return `${f.status}:${f.errorCode ?? ''}`;
  };
  // B has read (and cached) the network: no rules yet.
  expect(await sendThroughB()).toBe('delivered:');
  const before = await fetch(`${b.url}/sim/rules`, { headers: { authorization: MAIN } });
  expect(await before.json()).toEqual({ rules: [] });
  const started = Date.now();
  expect(
    (await json(`${a.url}/sim/rules`, 'POST', { match: TO, outcome: 'failed:30006' })).status,
  ).toBe(201);
  expect((await json(`${a.url}/sim/settings`, 'PATCH', { seed: 'shared' })).status).toBe(200);
  await until(async () => {
    const view = await b.delivery.network!.view(b.store);
    return view.rules.length === 1 && view.settings.seed === 'shared' ? true : undefined;
  }, 3000);
  expect(Date.now() - started).toBeLessThan(3000);
  expect(await sendThroughB()).toBe('failed:30006');
  const rules = await (
    await fetch(`${b.url}/sim/rules`, { headers: { authorization: MAIN } })
  ).json();
  expect(rules.rules).toMatchObject([{ match: TO, accountSid: null }]);
});
