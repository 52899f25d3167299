import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsService } from '../../src/accounts/accounts.service.js';
import { systemClock } from '../../src/clock.js';
import { authenticate, sha256 } from '../../src/http/auth.js';
import { randomIds } from '../../src/ids.js';
import { withReadCache } from '../../src/store/cached.store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { accountRecord, randomSid, T0 } from '../support/records.js';

// Response time must not reveal which SIDs exist: an unknown account or API key SID has to cost
// what a known one with a wrong secret costs. Asserted structurally, by counting the reads that
// reach the database under the read cache (timings would be flaky on a shared machine).

const basic = (user: string, pass: string) =>
  'Basic ' + Buffer.from(`${user}:${pass}`).toString('base64');
const ROUTE = 'GET /2010-04-01/Accounts/:AccountSid/Messages.json';

describe('credential lookups: unknown SIDs cost what wrong secrets cost', () => {
  let reads = 0;
  let store: Store;
  const account = accountRecord();
  const keySid = randomSid('SK');
  beforeAll(async () => {
    const raw = await openSqliteStore({ path: ':memory:' });
    await raw.accounts.insert(account);
    const key = {
      sid: keySid,
      accountSid: account.sid,
      friendlyName: 'k',
      secretHash: sha256('s'),
    };
    await raw.apiKeys.insert({ ...key, dateCreated: T0, dateUpdated: T0 });
    // Every read of the credential tables that reaches the database is counted.
    const counted = <T extends object>(repo: T): T =>
      new Proxy(repo, {
        get(target, prop, receiver) {
          const v = Reflect.get(target, prop, receiver);
          if (typeof v !== 'function') return v;
          return (...args: unknown[]) => {
            reads++;
            return (v as (...a: unknown[]) => unknown).apply(target, args);
          };
        },
      });
    store = await withReadCache(
      {
        ...raw,
        accounts: counted(raw.accounts),
        apiKeys: counted(raw.apiKeys),
        testCredentials: counted(raw.testCredentials),
      },
      { ttlMs: 60_000 },
    );
  });
  afterAll(() => store.close());

  /** Database reads one failed authentication makes. */
  async function readsOf(header: string): Promise<number> {
    const before = reads;
    await expect(authenticate(store, header, ROUTE)).rejects.toMatchObject({ code: 20003 });
    return reads - before;
  }

  it('repeated probes: an unknown SID reads the database no more than a known one with a wrong token', async () => {
    const cases = {
      wrongToken: basic(account.sid, 'f'.repeat(32)),
      unknownAccount: basic(randomSid('AC'), 'f'.repeat(32)),
      wrongSecret: basic(keySid, 'nope'),
      unknownKey: basic(randomSid('SK'), 'nope'),
    };
    // First sight of each (a cold cache either way), then again: served from memory alike.
    for (const header of Object.values(cases)) await readsOf(header);
    const again: Record<string, number> = {};
    for (const [name, header] of Object.entries(cases)) again[name] = await readsOf(header);
    expect(again).toEqual({ wrongToken: 0, unknownAccount: 0, wrongSecret: 0, unknownKey: 0 });
  });

  it('a write through Loft forgets the unknown SIDs too (a new account is found at once)', async () => {
    const later = accountRecord();
    const header = basic(later.sid, later.authToken);
    await readsOf(header); // unknown now, remembered as such
    await store.accounts.insert(later);
    const principal = await authenticate(store, header, ROUTE);
    expect(principal.account.sid).toBe(later.sid);
  });
});

describe('main account recovery', () => {
  it('TWILIO_AUTH_TOKEN at start-up replaces the stored token: the old one stops working', async () => {
    const store = await withReadCache(await openSqliteStore({ path: ':memory:' }));
    try {
      const accounts = accountsService({ store, clock: systemClock, ids: randomIds() });
      const sid = randomSid('AC');
      await accounts.ensureMain({ sid, authToken: 'old-token' }); // first start
      await authenticate(store, basic(sid, 'old-token'), ROUTE); // warm the cache
      await accounts.ensureMain({ sid, authToken: 'new-token' }); // restart with a new token
      await expect(authenticate(store, basic(sid, 'old-token'), ROUTE)).rejects.toMatchObject({
        code: 20003,
      });
      expect((await authenticate(store, basic(sid, 'new-token'), ROUTE)).account.sid).toBe(sid);
    } finally {
      await store.close();
    }
  });
});
