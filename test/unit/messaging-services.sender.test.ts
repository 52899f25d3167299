import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { defaultConfig } from '../../src/phone-numbers/phone-numbers.params.js';
import { defaultServiceConfig } from '../../src/messaging-services/messaging-services.params.js';
import {
  pickSender,
  senderForMessage,
} from '../../src/messaging-services/messaging-services.sender.js';
import type { Message, MessagingService } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';

// pickSender over a real (in-memory) store: country preference, area code geomatch,
// determinism and Sticky Sender.
const ACCOUNT = 'AC' + 'a1'.repeat(16);
let store: Store;
let seq = 0;
const sid = (prefix: string) => prefix + (++seq).toString(16).padStart(32, '0');

beforeEach(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterEach(() => store.close());

async function service(
  overrides: Partial<MessagingService['config']> = {},
  accountSid = ACCOUNT,
): Promise<MessagingService> {
  const s: MessagingService = {
    sid: sid('MG'),
    accountSid,
    friendlyName: 'svc',
    config: { ...defaultServiceConfig(), ...overrides },
    dateCreated: 0,
    dateUpdated: 0,
  };
  await store.services.insert(s);
  return s;
}

/** Buys `phoneNumber` for the account and puts it in the service's pool. */
async function addToPool(s: MessagingService, phoneNumber: string): Promise<string> {
  const pn = sid('PN');
  await store.phoneNumbers.insert({
    sid: pn,
    accountSid: s.accountSid,
    phoneNumber,
    friendlyName: phoneNumber,
    config: defaultConfig(),
    dateCreated: 0,
    dateUpdated: 0,
  });
  const outcome = await store.services.addPhoneNumber({
    serviceSid: s.sid,
    phoneNumberSid: pn,
    accountSid: s.accountSid,
    phoneNumber,
    dateCreated: 0,
  });
  expect(outcome).toBe('added');
  return pn;
}

const recipients = Array.from({ length: 20 }, (_, i) => `+1415555${String(1000 + i)}`);

describe('pickSender', () => {
  it('returns null for an empty pool', async () => {
    const s = await service();
    expect(await pickSender(store, s, '+14155550100')).toBeNull();
  });

  it('prefers a pool number in the recipient’s country', async () => {
    const s = await service({ stickySender: false });
    await addToPool(s, '+14155552345');
    await addToPool(s, '+4915112345678');
    await addToPool(s, '+447400123456');
    await addToPool(s, '+12125550123');
    expect(await pickSender(store, s, '+4917612345678')).toBe('+4915112345678');
    expect(await pickSender(store, s, '+447700123456')).toBe('+447400123456');
    for (const to of recipients) {
      expect(['+14155552345', '+12125550123']).toContain(await pickSender(store, s, to));
    }
  });

  it('falls back to the whole pool when no number is in the recipient’s country', async () => {
    const s = await service({ stickySender: false });
    await addToPool(s, '+14155552345');
    await addToPool(s, '+4915112345678');
    const picks = new Set<string | null>();
    for (let i = 0; i < 20; i++) picks.add(await pickSender(store, s, `+3361234${5600 + i}`));
    expect([...picks].sort()).toEqual(['+14155552345', '+4915112345678']);
  });

  it('matches the area code when area_code_geomatch is on', async () => {
    const on = await service({ stickySender: false });
    for (const n of ['+14155552345', '+12125550123', '+16175550100']) await addToPool(on, n);
    for (let i = 0; i < 10; i++) {
      expect(await pickSender(store, on, `+1212555${7000 + i}`)).toBe('+12125550123');
      expect(await pickSender(store, on, `+1617555${7000 + i}`)).toBe('+16175550100');
    }
    const off = await service({ stickySender: false, areaCodeGeomatch: false });
    for (const n of ['+14155552346', '+12125550124', '+16175550101']) await addToPool(off, n);
    const picks = new Set<string | null>();
    for (let i = 0; i < 20; i++) picks.add(await pickSender(store, off, `+1212555${7000 + i}`));
    expect(picks.size).toBeGreaterThan(1);
  });

  it('is deterministic for a pool and recipient, and spreads recipients over the pool', async () => {
    const s = await service({ stickySender: false });
    const pool = ['+14155552345', '+14155552346', '+14155552347', '+14155552348'];
    for (const n of pool) await addToPool(s, n);
    const first = await Promise.all(recipients.map((to) => pickSender(store, s, to)));
    const again = await Promise.all(recipients.map((to) => pickSender(store, s, to)));
    expect(again).toEqual(first);
    expect(new Set(first).size).toBeGreaterThan(1);
    expect(await store.services.getStickySender(s.sid, recipients[0] as string)).toBeUndefined();
  });

  it('keeps each recipient’s sender with sticky_sender as the pool grows', async () => {
    const sticky = await service({ stickySender: true });
    const loose = await service({ stickySender: false });
    // Same-shaped pools (a number can only be in one): +1415555230x and +1415555240x.
    const grow = async (from: number, to: number) => {
      for (let i = from; i < to; i++) {
        await addToPool(sticky, `+141555523${String(i).padStart(2, '0')}`);
        await addToPool(loose, `+141555524${String(i).padStart(2, '0')}`);
      }
    };
    await grow(0, 2);
    const stickyBefore = await Promise.all(recipients.map((to) => pickSender(store, sticky, to)));
    const looseBefore = await Promise.all(recipients.map((to) => pickSender(store, loose, to)));
    expect(await store.services.getStickySender(sticky.sid, recipients[0] as string)).toBe(
      stickyBefore[0],
    );
    await grow(2, 8);
    const stickyAfter = await Promise.all(recipients.map((to) => pickSender(store, sticky, to)));
    const looseAfter = await Promise.all(recipients.map((to) => pickSender(store, loose, to)));
    expect(stickyAfter).toEqual(stickyBefore);
    expect(looseAfter).not.toEqual(looseBefore);
  });

  it('re-picks (and re-remembers) when the sticky sender left the pool', async () => {
    const s = await service({ stickySender: true });
    const a = await addToPool(s, '+14155552345');
    const to = '+14155550100';
    expect(await pickSender(store, s, to)).toBe('+14155552345');
    await addToPool(s, '+14155552346');
    expect(await pickSender(store, s, to)).toBe('+14155552345');
    await store.services.removePhoneNumber(s.sid, a);
    expect(await pickSender(store, s, to)).toBe('+14155552346');
    expect(await store.services.getStickySender(s.sid, to)).toBe('+14155552346');
  });

  it('honours a remembered sender even where the hash would choose another', async () => {
    const s = await service({ stickySender: true });
    for (const n of ['+14155552345', '+14155552346', '+14155552347']) await addToPool(s, n);
    for (const to of recipients.slice(0, 6)) {
      const hashed = await pickSender(store, s, to);
      const other = hashed === '+14155552345' ? '+14155552347' : '+14155552345';
      await store.services.setStickySender(s.sid, to, other);
      expect(await pickSender(store, s, to)).toBe(other);
    }
  });

  it('normalises the recipient and keeps its channel prefix', async () => {
    const s = await service({ stickySender: true });
    await addToPool(s, '+14155552345');
    expect(await pickSender(store, s, 'whatsapp:+14155550100')).toBe('whatsapp:+14155552345');
    expect(await pickSender(store, s, ' (415) 555-0101 ')).toBe('+14155552345');
    expect(await store.services.getStickySender(s.sid, '+14155550101')).toBe('+14155552345');
  });
});

describe('senderForMessage', () => {
  const message = (over: Partial<Message>): Message =>
    ({ to: '+14155550100', accountSid: ACCOUNT, messagingServiceSid: null, ...over }) as Message;

  it('picks from the message’s own service only', async () => {
    const s = await service();
    await addToPool(s, '+14155552345');
    expect(await senderForMessage(store, message({ messagingServiceSid: s.sid }))).toBe(
      '+14155552345',
    );
    expect(await senderForMessage(store, message({}))).toBeNull();
    expect(
      await senderForMessage(store, message({ messagingServiceSid: 'MG' + '9'.repeat(32) })),
    ).toBeNull();
    const foreign = await service({}, 'AC' + 'c3'.repeat(16));
    await addToPool(foreign, '+14155552399');
    expect(await senderForMessage(store, message({ messagingServiceSid: foreign.sid }))).toBeNull();
  });

  it('works inside a transaction', async () => {
    const s = await service();
    await addToPool(s, '+14155552345');
    const picked = await store.transaction((tx) =>
      senderForMessage(tx, message({ messagingServiceSid: s.sid })),
    );
    expect(picked).toBe('+14155552345');
  });
});
