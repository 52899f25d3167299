import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withReadCache } from '../../src/store/cached.store.js';
import { openPostgresStore } from '../../src/store/postgres/postgres.store.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase, postgresServerUrl, type TestDatabase } from '../support/stores.js';
import { accountRecord, phoneNumberRecord, serviceRecord, T0 } from '../support/records.js';

// The read cache in front of every store: cached reads must never outlive a write made through
// Loft, in this process (directly or in a transaction) or in another one sharing the database.

const hex = () => randomBytes(16).toString('hex');
const account = () => accountRecord();

describe('read cache (SQLite)', () => {
  let raw: Store;
  let store: Store;
  beforeAll(async () => {
    raw = await openSqliteStore({ path: ':memory:' });
    store = await withReadCache(raw, { ttlMs: 60_000 });
  });
  afterAll(() => store.close());

  it('concurrent misses of one key share one read; a read begun before a write is not shared after it', async () => {
    const base = await openSqliteStore({ path: ':memory:' });
    let calls = 0;
    let gate: Promise<void> | null = null;
    const counted: Store = {
      ...base,
      accounts: {
        ...base.accounts,
        get: async (sid) => {
          calls++;
          const held = gate;
          const got = await base.accounts.get(sid);
          if (held) await held;
          return got;
        },
      },
    };
    const cached = await withReadCache(counted, { ttlMs: 60_000 });
    try {
      const a = account();
      await cached.accounts.insert(a);
      const all = await Promise.all(Array.from({ length: 10 }, () => cached.accounts.get(a.sid)));
      expect(calls).toBe(1);
      expect(all.every((x) => x === all[0] && x?.sid === a.sid)).toBe(true);

      // A write lands while a read is under way: a later miss reads again and sees it.
      let open: () => void = () => undefined;
      gate = new Promise<void>((r) => (open = r));
      await cached.accounts.update(a.sid, { friendlyName: 'before' }, T0 + 1); // clears the cache
      calls = 0;
      const early = cached.accounts.get(a.sid);
      await new Promise((r) => setTimeout(r, 10));
      gate = null;
      await cached.accounts.update(a.sid, { friendlyName: 'after' }, T0 + 2);
      // (Sharing the early read would wait for it: a timeout says so at once.)
      const late = await Promise.race([
        cached.accounts.get(a.sid),
        new Promise<undefined>((r) => setTimeout(r, 2_000)),
      ]);
      expect(late?.friendlyName).toBe('after');
      expect(calls).toBe(2);
      open();
      expect((await early)?.friendlyName).toBe('before');
      // The early answer was not cached over the later one.
      expect((await cached.accounts.get(a.sid))?.friendlyName).toBe('after');
    } finally {
      await cached.close();
    }
  });

  it('serves a repeated read from memory, frozen', async () => {
    const a = account();
    await store.accounts.insert(a);
    const first = await store.accounts.get(a.sid);
    expect(first).toEqual(a);
    expect(await store.accounts.get(a.sid)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
  });

  it('drops cached reads when a write goes through the cache', async () => {
    const a = account();
    await store.accounts.insert(a);
    await store.accounts.get(a.sid);
    await store.accounts.update(a.sid, { status: 'suspended' }, T0 + 1);
    expect((await store.accounts.get(a.sid))?.status).toBe('suspended');
  });

  it('drops cached reads when a transaction that wrote commits', async () => {
    const a = account();
    await store.accounts.insert(a);
    expect(await store.optOuts.isBlocked(['+14155550001'], '+14155550100')).toBe(false);
    await store.transaction(async (tx) => {
      await tx.optOuts.block({
        accountSid: a.sid,
        scopeKey: '+14155550001',
        recipient: '+14155550100',
        createdAt: T0,
      });
      // Inside the transaction reads bypass the cache and see the write.
      expect(await tx.optOuts.isBlocked(['+14155550001'], '+14155550100')).toBe(true);
    });
    expect(await store.optOuts.isBlocked(['+14155550001'], '+14155550100')).toBe(true);
  });

  it('a transaction reads through the cache until it writes', async () => {
    const a = account();
    await store.accounts.insert(a);
    const cached = await store.accounts.get(a.sid);
    await store.transaction(async (tx) => {
      expect(await tx.accounts.get(a.sid)).toBe(cached);
      await tx.accounts.update(a.sid, { friendlyName: 'in tx' }, T0 + 1);
      expect((await tx.accounts.get(a.sid))?.friendlyName).toBe('in tx');
    });
    expect((await store.accounts.get(a.sid))?.friendlyName).toBe('in tx');
  });

  it('never caches what a rolled-back transaction wrote', async () => {
    const a = account();
    await store.accounts.insert(a);
    await expect(
      store.transaction(async (tx) => {
        await tx.accounts.update(a.sid, { friendlyName: 'rolled back' }, T0 + 1);
        expect((await tx.accounts.get(a.sid))?.friendlyName).toBe('rolled back');
        // Another request at this moment must not get the uncommitted value from the cache.
        // (On SQLite it waits for the connection the transaction holds: give up after 50 ms.)
        const seen = await Promise.race([
          store.accounts.get(a.sid).then((x) => x?.friendlyName),
          new Promise((r) => setTimeout(() => r('waited'), 50)),
        ]);
        expect(seen).not.toBe('rolled back');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await store.accounts.get(a.sid))?.friendlyName).toBe('acct');
  });

  it('does not keep "not found": a record inserted behind its back shows at once', async () => {
    const a = account();
    await raw.accounts.insert(a);
    const pn = phoneNumberRecord(a.sid, { phoneNumber: '+14155557771' });
    expect(await store.phoneNumbers.findByNumber(pn.phoneNumber)).toBeUndefined();
    await raw.phoneNumbers.insert(pn);
    expect(await store.phoneNumbers.findByNumber(pn.phoneNumber)).toEqual(pn);
  });

  it('keeps an unknown credential SID (so it costs what a known one does) until a write through Loft', async () => {
    const a = account();
    expect(await store.accounts.get(a.sid)).toBeUndefined();
    await raw.accounts.insert(a); // behind its back: still unknown until the TTL
    expect(await store.accounts.get(a.sid)).toBeUndefined();
    await store.accounts.insert(account()); // any write to the table through Loft
    expect(await store.accounts.get(a.sid)).toEqual(a);
  });

  it('keeps "not in a service" for an owned number until a write through Loft links it', async () => {
    const a = account();
    await store.accounts.insert(a);
    const pn = phoneNumberRecord(a.sid, { phoneNumber: '+14155557777' });
    await store.phoneNumbers.insert(pn);
    const svc = serviceRecord(a.sid);
    await store.services.insert(svc);
    expect(await store.services.findByPhoneNumber(pn.sid)).toBeUndefined();
    const link = {
      serviceSid: svc.sid,
      phoneNumberSid: pn.sid,
      accountSid: a.sid,
      phoneNumber: pn.phoneNumber,
      dateCreated: T0,
    };
    // Linked behind the cache's back: the miss is still served from memory…
    expect(await raw.services.addPhoneNumber(link)).toBe('added');
    expect(await store.services.findByPhoneNumber(pn.sid)).toBeUndefined();
    // …until any write to the services goes through Loft.
    await store.services.removePhoneNumber(svc.sid, pn.sid);
    expect(await store.services.addPhoneNumber(link)).toBe('added');
    expect((await store.services.findByPhoneNumber(pn.sid))?.sid).toBe(svc.sid);
  });

  it('a nested transaction that writes counts as a write of the outer one', async () => {
    const a = account();
    await store.accounts.insert(a);
    await store.accounts.get(a.sid);
    await expect(
      store.transaction(async (tx) => {
        await tx.transaction((inner) =>
          inner.accounts.update(a.sid, { friendlyName: 'nested' }, T0 + 1),
        );
        // The outer transaction reads its own write (and must not cache it)…
        expect((await tx.accounts.get(a.sid))?.friendlyName).toBe('nested');
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    // …so after the rollback the committed value is what everyone sees.
    expect((await store.accounts.get(a.sid))?.friendlyName).toBe('acct');
  });

  it('a write behind its back shows only once the TTL has passed', async () => {
    // Long enough that the reads below fall inside it on a loaded machine (30 ms did not).
    const short = await withReadCache(raw, { ttlMs: 1_000 });
    const a = account();
    await raw.accounts.insert(a);
    await short.accounts.get(a.sid);
    await raw.accounts.update(a.sid, { friendlyName: 'renamed' }, T0 + 1);
    expect((await short.accounts.get(a.sid))?.friendlyName).toBe('acct');
    await new Promise((r) => setTimeout(r, 1_100));
    expect((await short.accounts.get(a.sid))?.friendlyName).toBe('renamed');
  });
});

const server = await postgresServerUrl();

// Needs two connections to one PostgreSQL server (LISTEN/NOTIFY between them); PGlite has one.
describe.skipIf(!server)('read cache across processes (PostgreSQL server)', () => {
  let db: TestDatabase;
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    db = await createTestDatabase(server as string);
    a = await withReadCache(await openPostgresStore({ url: db.url }), { ttlMs: 60_000 });
    b = await withReadCache(await openPostgresStore({ url: db.url }), { ttlMs: 60_000 });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it("a write through one process clears the other's cache", async () => {
    const acct = account();
    await a.accounts.insert(acct);
    expect((await b.accounts.get(acct.sid))?.authToken).toBe(acct.authToken);
    const rotated = hex();
    await a.accounts.update(acct.sid, { authToken: rotated }, T0 + 1);
    const deadline = Date.now() + 5_000;
    while ((await b.accounts.get(acct.sid))?.authToken !== rotated && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((await b.accounts.get(acct.sid))?.authToken).toBe(rotated);
  });
});
