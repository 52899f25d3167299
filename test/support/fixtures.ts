import { expect } from 'vitest';
import { fetchAsMain, MAIN_SID, type TestServer } from './server.js';

/** Buys `number` for the main account (IncomingPhoneNumbers.json), asserting the 201. */
export async function buyNumber(t: TestServer, number: string): Promise<void> {
  const r = await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/IncomingPhoneNumbers.json`, {
    PhoneNumber: number,
  });
  expect(r.status).toBe(201);
}

/** Adds a network-wide simulator rule (`POST /sim/rules` as the main account). */
export async function addSimRule(t: TestServer, rule: Record<string, unknown>): Promise<void> {
  const r = await fetchAsMain(`${t.url}/sim/rules`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(rule),
  });
  expect(r.status).toBe(201);
}
