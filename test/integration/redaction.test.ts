import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

// Redaction must remove the body from storage, not just hide it: after a checkpoint the bytes
// are nowhere in the database files.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
  await t.client.incomingPhoneNumbers.create({ phoneNumber: '+14155552345' });
});
afterAll(() => t.close());

const dbBytes = (dir: string): Buffer =>
  Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));

it('a redacted body is gone from the database files', async () => {
  const secret = 'SECRET-7f3a9c2e-body-that-must-vanish';
  const m = await t.client.messages.create({
    from: '+14155552345',
    to: '+14155550100',
    body: secret,
  });
  await t.server.store.messages.transition(m.sid, { status: 'delivered' }, Date.now());
  // Control: the body is on disk before redaction (so this test can fail).
  expect(dbBytes(t.dir).includes(secret)).toBe(true);
  await t.client.messages(m.sid).update({ body: '' });
  expect(dbBytes(t.dir).includes(secret)).toBe(false);
});
