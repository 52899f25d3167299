import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { TEST_STORE } from '../support/stores.js';

// Guards the two-store setup itself: the integration suite really runs on the store it claims
// to (LOFT_TEST_STORE), so a misconfiguration cannot silently test SQLite twice.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

it(`test servers run on the ${TEST_STORE} store`, async () => {
  expect(t.server.store.capabilities.engine).toBe(TEST_STORE);
  const health = await t.http('GET', '/healthz');
  expect(health.json).toMatchObject({ store: TEST_STORE });
});
