import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// /sim speaks JSON, the Twilio API forms: each refuses the other's bodies with its own hint.
let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.close());

const post = (path: string, type: string, body: string) =>
  fetchAsMain(t.url + path, { method: 'POST', headers: { 'content-type': type }, body });

describe('request body types', () => {
  it('/sim answers a form or text body with 415 saying to send application/json', async () => {
    for (const type of ['application/x-www-form-urlencoded', 'text/plain']) {
      const r = await post('/sim/rules', type, 'match=%2B1555&outcome=failed');
      expect(r.status).toBe(415);
      const body = (await r.json()) as { code: number; message: string; status: number };
      expect(body).toMatchObject({ code: 20001, status: 415 });
      expect(body.message).toMatch(/application\/json/);
      expect(body.message).not.toMatch(/x-www-form-urlencoded/);
    }
    const handset = await post('/sim/handsets/+14155550100/messages', 'text/plain', 'hi');
    expect(handset.status).toBe(415);
  });

  it('/sim still takes JSON', async () => {
    const r = await post('/sim/rules', 'application/json', '{"match":"+1555*","outcome":"failed"}');
    expect(r.status).toBe(201);
    expect((await fetchAsMain(t.url + '/sim/rules', { method: 'DELETE' })).status).toBe(204);
  });

  it('the Twilio API answers JSON with 415 saying to send a form', async () => {
    const r = await fetch(`${t.url}/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, {
      method: 'POST',
      headers: { authorization: basic(MAIN_SID, MAIN_TOKEN), 'content-type': 'application/json' },
      body: '{"To":"+14155550100"}',
    });
    expect(r.status).toBe(415);
    expect(((await r.json()) as { message: string }).message).toMatch(/x-www-form-urlencoded/);
  });
});
