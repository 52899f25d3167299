import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import { until } from '../support/until.js';
import { defaultApplicationConfig } from '../../src/applications/applications.params.js';
import { defaultConfig } from '../../src/phone-numbers/phone-numbers.params.js';
import type {
  Application,
  Message,
  MessagingService,
  PhoneNumber,
} from '../../src/store/records.js';
import type {
  IdempotencyKey,
  MessageFilter,
  NewMedia,
  NewWebhook,
  OutboxEntry,
  OutboxJob,
  PageRequest,
  Store,
  Webhook,
  WebhookStatus,
} from '../../src/store/store.js';
import {
  accountRecord,
  messageRecord,
  phoneNumberRecord,
  serviceRecord,
  T0,
} from '../support/records.js';

/** The stores every case runs against. */
export type EngineName = 'sqlite-memory' | 'sqlite-file' | 'postgres' | 'pglite';

/** What a case gets: a migrated store shared by all cases of its engine, and helpers. */
export interface CaseContext {
  engine: EngineName;
  store: Store;
  /**
   * A second store on the same database (its own connection or pool, as a second process would
   * have), where the engine allows one; undefined for in-memory SQLite and PGlite.
   */
  peer?: Store;
}

/** One behaviour every store must show. `skip` names engines it cannot run on, with why. */
export interface StoreCase {
  name: string;
  skip?: Partial<Record<EngineName, string>>;
  run(ctx: CaseContext): Promise<void>;
}

// Cases share one database per engine, so everything a case creates has fresh identifiers.
const hex = () => randomBytes(16).toString('hex');
const sid = (prefix: string) => prefix + hex();
const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join('');
/** A fresh US number in 415 (so patterns like `%415%` match it). */
const phone = () => `+1415${digits(7)}`;
/** Digits never containing 4, 1 or 5 (so a `%415%` pattern cannot match them by chance). */
const digitsNo415 = (n: number) => Array.from(randomBytes(n), (b) => '0236789'[b % 7]).join('');

const FAR = Date.UTC(2200, 0, 1);

const account = accountRecord;
const message = messageRecord;

const phoneNumber = (accountSid: string, over: Partial<PhoneNumber> = {}): PhoneNumber =>
  phoneNumberRecord(accountSid, { phoneNumber: phone(), ...over });
const service = serviceRecord;

const application = (accountSid: string, over: Partial<Application> = {}): Application => ({
  sid: sid('AP'),
  accountSid,
  friendlyName: 'app',
  config: defaultApplicationConfig(),
  dateCreated: T0,
  dateUpdated: T0,
  ...over,
});

const webhook = (accountSid: string, orderKey: string, over: Partial<NewWebhook> = {}) => ({
  accountSid,
  orderKey,
  kind: 'status-callback',
  url: 'https://example.com/cb',
  method: 'POST' as const,
  params: { MessageSid: orderKey, Repeated: ['a', 'b'] },
  fallbackUrl: null,
  fallbackMethod: null,
  createdAt: T0,
  ...over,
});

const page = (limit: number, over: Partial<PageRequest> = {}): PageRequest => ({
  limit,
  direction: 'after',
  ...over,
});

const sids = (list: { sid: string }[]) => list.map((m) => m.sid);

/**
 * Claims the jobs of `kind` due at `now` as another worker and drops the leases again; returns
 * those about `mine`, removed first when `take` (else left for a later claim).
 */
async function claimAsOther(
  store: Store,
  kind: string,
  now: number,
  mine: ReadonlySet<string>,
  take: boolean,
): Promise<OutboxJob[]> {
  const owner = 'other-worker';
  const claimed = await store.outbox.claim({
    kinds: [kind],
    owner,
    now,
    limit: 100_000,
    leaseMs: 1000,
  });
  const ours = claimed.filter((j) => mine.has(j.ref));
  if (take) {
    await store.outbox.completeMany(
      ours.map((j) => j.id),
      owner,
    );
  }
  await store.outbox.releaseAll(owner);
  return ours;
}

/** Takes (removes) the dispatch jobs about `mine` due at `now` as another worker: refs → ids. */
async function takeJobs(
  store: Store,
  now: number,
  mine: ReadonlySet<string>,
): Promise<Map<string, number>> {
  const ours = await claimAsOther(store, 'dispatch', now, mine, true);
  return new Map(ours.map((j) => [j.ref, j.id]));
}

/** Walks a listing to its end with keyset cursors, one direction. */
async function walk(
  store: Store,
  filter: MessageFilter,
  limit: number,
  byDateSent: boolean,
): Promise<Message[]> {
  const out: Message[] = [];
  let cursor: PageRequest['cursor'];
  for (;;) {
    const got = await store.messages.list(filter, page(limit, { cursor }));
    out.push(...got);
    if (got.length < limit) return out;
    const last = got[got.length - 1]!;
    cursor = { seq: last.seq, ...(byDateSent && { at: last.dateSent ?? undefined }) };
  }
}

/** Every case, in order. */
export const storeCases: StoreCase[] = [
  {
    name: 'store: ping, and a transaction commits or rolls back as a whole',
    async run({ store }) {
      await store.ping();
      const kept = account();
      await store.transaction(async (tx) => {
        await tx.accounts.insert(kept);
        expect(await tx.accounts.get(kept.sid)).toEqual(kept);
      });
      expect(await store.accounts.get(kept.sid)).toEqual(kept);

      const lost = account();
      const boom = new Error('boom');
      await expect(
        store.transaction(async (tx) => {
          await tx.accounts.insert(lost);
          await tx.settings.set(`k-${lost.sid}`, 'v');
          throw boom;
        }),
      ).rejects.toBe(boom);
      expect(await store.accounts.get(lost.sid)).toBeUndefined();
      expect(await store.settings.get(`k-${lost.sid}`)).toBeUndefined();
    },
  },
  {
    name: 'store: a failing statement inside a transaction rolls back the earlier ones',
    async run({ store }) {
      const a = account();
      await store.accounts.insert(a);
      const fresh = account();
      await expect(
        store.transaction(async (tx) => {
          await tx.accounts.insert(fresh);
          await tx.accounts.insert(a); // duplicate primary key
        }),
      ).rejects.toThrow();
      expect(await store.accounts.get(fresh.sid)).toBeUndefined();
      // The store is still usable afterwards (the connection went back clean).
      expect(await store.accounts.get(a.sid)).toEqual(a);
    },
  },
  {
    name: 'accounts: insert/get, 64-bit timestamps as numbers, sids, update',
    async run({ store }) {
      const a = account({ dateCreated: FAR, dateUpdated: FAR });
      await store.accounts.insert(a);
      const got = await store.accounts.get(a.sid);
      expect(got).toEqual(a);
      expect(typeof got?.dateCreated).toBe('number');
      expect(await store.accounts.get(sid('AC'))).toBeUndefined();
      expect(await store.accounts.sids()).toContain(a.sid);
      const all = await store.accounts.sids();
      expect(all).toEqual([...all].sort());

      const u = await store.accounts.update(a.sid, { friendlyName: 'renamed' }, FAR + 1);
      expect(u).toEqual({ ...a, friendlyName: 'renamed', dateUpdated: FAR + 1 });
      const v = await store.accounts.update(
        a.sid,
        { status: 'suspended', authToken: 't' },
        FAR + 2,
      );
      expect(v).toMatchObject({ friendlyName: 'renamed', status: 'suspended', authToken: 't' });
      expect(await store.accounts.update(sid('AC'), { friendlyName: 'x' }, T0)).toBeUndefined();
    },
  },
  {
    name: 'testCredentials: ensure keeps the first pair; get and findByTestSid find it',
    async run({ store }) {
      const a = account();
      await store.accounts.insert(a);
      expect(await store.testCredentials.get(a.sid)).toBeUndefined();
      const first = { accountSid: a.sid, testSid: sid('AC'), authToken: hex(), dateCreated: FAR };
      expect(await store.testCredentials.ensure(first)).toEqual(first);
      // A second generation (another process at the same time) gets the stored pair back.
      const second = { ...first, testSid: sid('AC'), authToken: hex() };
      expect(await store.testCredentials.ensure(second)).toEqual(first);
      expect(await store.testCredentials.get(a.sid)).toEqual(first);
      expect(await store.testCredentials.findByTestSid(first.testSid)).toEqual(first);
      expect(await store.testCredentials.findByTestSid(second.testSid)).toBeUndefined();
      expect(await store.testCredentials.findByTestSid(a.sid)).toBeUndefined();
    },
  },
  {
    name: 'accounts: listFamily is the root and its subaccounts, oldest first, filtered, paged',
    async run({ store }) {
      const root = account({ friendlyName: 'root' });
      await store.accounts.insert(root);
      const subs = [3, 1, 2].map((i) =>
        account({
          ownerAccountSid: root.sid,
          friendlyName: i === 2 ? 'two' : 'sub',
          status: i === 3 ? 'closed' : 'active',
          dateCreated: T0 + i,
        }),
      );
      for (const s of subs) await store.accounts.insert(s);
      await store.accounts.insert(account()); // unrelated
      const family = await store.accounts.listFamily(root.sid, {}, { limit: 10, offset: 0 });
      expect(family.map((a) => a.dateCreated)).toEqual([T0, T0 + 1, T0 + 2, T0 + 3]);
      expect(family[0]?.sid).toBe(root.sid);
      const two = await store.accounts.listFamily(
        root.sid,
        { friendlyName: 'two' },
        {
          limit: 10,
          offset: 0,
        },
      );
      expect(two.map((a) => a.friendlyName)).toEqual(['two']);
      const closed = await store.accounts.listFamily(
        root.sid,
        { status: 'closed' },
        {
          limit: 10,
          offset: 0,
        },
      );
      expect(closed.map((a) => a.dateCreated)).toEqual([T0 + 3]);
      const second = await store.accounts.listFamily(root.sid, {}, { limit: 2, offset: 2 });
      expect(second.map((a) => a.dateCreated)).toEqual([T0 + 2, T0 + 3]);
    },
  },
  {
    name: 'api keys: insert/get/list/update/delete',
    async run({ store }) {
      const ac = sid('AC');
      const keys = [2, 0, 1].map((i) => ({
        sid: sid('SK'),
        accountSid: ac,
        friendlyName: `k${i}`,
        secretHash: hex(),
        dateCreated: T0 + i,
        dateUpdated: T0 + i,
      }));
      for (const k of keys) await store.apiKeys.insert(k);
      expect(await store.apiKeys.get(keys[0]!.sid)).toEqual(keys[0]);
      const listed = await store.apiKeys.list(ac, { limit: 2, offset: 1 });
      expect(listed.map((k) => k.friendlyName)).toEqual(['k1', 'k2']);
      expect(await store.apiKeys.list(sid('AC'), { limit: 5, offset: 0 })).toEqual([]);
      expect(await store.apiKeys.update(keys[0]!.sid, 'new', T0 + 9)).toEqual({
        ...keys[0],
        friendlyName: 'new',
        dateUpdated: T0 + 9,
      });
      expect(await store.apiKeys.update(sid('SK'), 'x', T0)).toBeUndefined();
      expect(await store.apiKeys.delete(keys[0]!.sid)).toBe(true);
      expect(await store.apiKeys.delete(keys[0]!.sid)).toBe(false);
      expect(await store.apiKeys.get(keys[0]!.sid)).toBeUndefined();
    },
  },
  {
    name: 'phone numbers: a number has one owner; get/find/list with LIKE patterns/update/delete',
    async run({ store }) {
      const ac = sid('AC');
      const other = sid('AC');
      // Numbers are unique across accounts: phoneNumber() makes fresh ones.
      const a = phoneNumber(ac, { friendlyName: 'a' });
      const b = phoneNumber(ac, { friendlyName: 'b', dateCreated: T0 + 1 });
      const c = phoneNumber(ac, { phoneNumber: `+1202${digitsNo415(7)}`, dateCreated: T0 + 2 });
      for (const n of [a, b, c]) expect(await store.phoneNumbers.insert(n)).toBe(true);
      expect(
        await store.phoneNumbers.insert(phoneNumber(other, { phoneNumber: a.phoneNumber })),
      ).toBe(false);
      expect(await store.phoneNumbers.get(ac, a.sid)).toEqual(a);
      expect(await store.phoneNumbers.get(other, a.sid)).toBeUndefined();
      expect(await store.phoneNumbers.findByNumber(a.phoneNumber)).toEqual(a);
      expect(await store.phoneNumbers.findByNumber(phone())).toBeUndefined();

      const list = (filter: { phoneNumberLike?: string; friendlyName?: string }, offset = 0) =>
        store.phoneNumbers.list(ac, filter, { limit: 10, offset }).then(sids);
      expect(await list({})).toEqual([a.sid, b.sid, c.sid]);
      expect(await list({}, 1)).toEqual([b.sid, c.sid]);
      expect(await list({ phoneNumberLike: '%415%' })).toEqual([a.sid, b.sid]);
      // `_` is any one character (what the API's `*` becomes).
      expect(
        await list({ phoneNumberLike: `%${c.phoneNumber.slice(2, 5)}_${c.phoneNumber.slice(6)}` }),
      ).toEqual([c.sid]);
      expect(await list({ friendlyName: 'b' })).toEqual([b.sid]);
      expect(await list({ phoneNumberLike: '%415%', friendlyName: 'b' })).toEqual([b.sid]);

      const updated: PhoneNumber = {
        ...b,
        friendlyName: 'B!',
        config: { ...b.config, smsUrl: 'https://example.com/sms', extra: { VoiceUrl: 'v' } },
        dateUpdated: T0 + 5,
      };
      await store.phoneNumbers.update(updated);
      expect(await store.phoneNumbers.get(ac, b.sid)).toEqual(updated);
      expect(await store.phoneNumbers.delete(other, b.sid)).toBe(false);
      expect(await store.phoneNumbers.delete(ac, b.sid)).toBe(true);
      expect(await store.phoneNumbers.get(ac, b.sid)).toBeUndefined();
      // The number is free again.
      expect(
        await store.phoneNumbers.insert(phoneNumber(other, { phoneNumber: b.phoneNumber })),
      ).toBe(true);
    },
  },
  {
    name: 'messages: insert returns its seq; get/findBySid; every field round-trips',
    async run({ store }) {
      const ac = sid('AC');
      const m = message(ac, {
        from: null,
        body: 'héllo ✓ 😀',
        errorCode: 30003,
        errorMessage: 'Unreachable',
        price: '-0.00790',
        dateSent: FAR,
        sendAt: FAR + 1,
        statusCallback: 'https://example.com/s',
        tags: { campaign: 'spring', 'tag with space': 'v=1&x' },
        options: { ProvideFeedback: 'true', MediaUrl: ['https://a/1', 'https://a/2'] },
        carrierRef: 'carrier-1',
        messagingServiceSid: sid('MG'),
        numSegments: 3,
        numMedia: 2,
      });
      const stored = await store.messages.insert(m);
      expect(stored.seq).toBeGreaterThan(0);
      expect(typeof stored.seq).toBe('number');
      expect(await store.messages.get(ac, m.sid)).toEqual(stored);
      expect(await store.messages.findBySid(m.sid)).toEqual(stored);
      expect(await store.messages.get(sid('AC'), m.sid)).toBeUndefined();
      expect(await store.messages.findBySid(sid('SM'))).toBeUndefined();
      const next = await store.messages.insert(message(ac));
      expect(next.seq).toBeGreaterThan(stored.seq);
      // The message's creation status opens its history.
      expect(await store.messages.history(m.sid)).toEqual([
        { status: 'queued', errorCode: null, at: T0 },
      ]);
    },
  },
  {
    name: 'messages: insert with an outbox entry enqueues its job in the same transaction',
    async run({ store }) {
      const ac = sid('AC');
      const before = await store.outbox.count(['dispatch']);
      const m = await store.messages.insert(message(ac), { kind: 'dispatch', runAt: T0 });
      expect(await store.outbox.count(['dispatch'])).toBe(before + 1);
      // A duplicate SID fails the whole insert: no job is left behind.
      await expect(
        store.messages.insert({ ...message(ac), sid: m.sid }, { kind: 'dispatch', runAt: T0 }),
      ).rejects.toThrow();
      expect(await store.outbox.count(['dispatch'])).toBe(before + 1);
    },
  },
  {
    name: 'messages: list newest first, filtered by To/From/tags, keyset-paged both ways, offset',
    async run({ store }) {
      const ac = sid('AC');
      const X = '+14155551111';
      const Y = '+14155552222';
      const made: Message[] = [];
      for (let i = 0; i < 7; i++) {
        made.push(
          await store.messages.insert(
            message(ac, {
              to: i % 2 ? X : Y,
              from: i < 4 ? X : Y,
              tags: i % 3 === 0 ? { group: 'g', n: String(i) } : { group: 'g' },
            }),
          ),
        );
      }
      await store.messages.insert(message(sid('AC'), { to: X })); // another account
      const newest = [...made].reverse();
      const all: MessageFilter = { accountSid: ac, tags: [] };

      expect(sids(await store.messages.list(all, page(50)))).toEqual(sids(newest));
      expect(sids(await walk(store, all, 3, false))).toEqual(sids(newest));
      // Next page (older), then back (newer) from its first row.
      const p1 = await store.messages.list(all, page(3));
      const p2 = await store.messages.list(all, page(3, { cursor: { seq: p1[2]!.seq } }));
      expect(sids(p2)).toEqual(sids(newest.slice(3, 6)));
      const back = await store.messages.list(
        all,
        page(3, { cursor: { seq: p2[0]!.seq }, direction: 'before' }),
      );
      expect(sids(back)).toEqual(sids(p1));
      const backShort = await store.messages.list(
        all,
        page(3, { cursor: { seq: p1[1]!.seq }, direction: 'before' }),
      );
      expect(sids(backShort)).toEqual(sids(newest.slice(0, 1)));
      expect(sids(await store.messages.list(all, page(2, { offset: 2 })))).toEqual(
        sids(newest.slice(2, 4)),
      );

      const f = (extra: Partial<MessageFilter>) =>
        store.messages.list({ ...all, ...extra }, page(50)).then(sids);
      expect(await f({ to: X })).toEqual(sids(newest.filter((m) => m.to === X)));
      expect(await f({ from: Y })).toEqual(sids(newest.filter((m) => m.from === Y)));
      expect(await f({ to: X, from: X })).toEqual(
        sids(newest.filter((m) => m.to === X && m.from === X)),
      );
      expect(await f({ tags: [['group', 'g']] })).toEqual(sids(newest));
      expect(
        await f({
          tags: [
            ['group', 'g'],
            ['n', '3'],
          ],
        }),
      ).toEqual([made[3]!.sid]);
      expect(await f({ tags: [['n', 'nope']] })).toEqual([]);
      expect(await f({ to: '+19999999999' })).toEqual([]);
    },
  },
  {
    name: 'messages: a DateSent filter orders by (date_sent, seq), never returns unsent rows, pages both ways',
    async run({ store }) {
      const ac = sid('AC');
      const day = 86_400_000;
      // Sent times deliberately out of insertion order, with ties, and unsent (null) messages.
      const sent = [3, 1, null, 2, 1, null, 3, 0, 2];
      const made: Message[] = [];
      for (const d of sent) {
        made.push(
          await store.messages.insert(message(ac, { dateSent: d === null ? null : T0 + d * day })),
        );
      }
      const expected = made
        .filter((m) => m.dateSent !== null)
        .sort((a, b) => b.dateSent! - a.dateSent! || b.seq - a.seq);
      const bounded: MessageFilter = { accountSid: ac, tags: [], sentFrom: T0 - day };
      expect(sids(await store.messages.list(bounded, page(50)))).toEqual(sids(expected));
      for (const limit of [1, 2, 3, 4]) {
        expect(sids(await walk(store, bounded, limit, true))).toEqual(sids(expected));
      }
      // Backwards from the third page's first row returns the second page.
      const pages: Message[][] = [];
      let cursor: PageRequest['cursor'];
      for (let i = 0; i < 3; i++) {
        const got = await store.messages.list(bounded, page(2, { cursor }));
        pages.push(got);
        const last = got[got.length - 1]!;
        cursor = { seq: last.seq, at: last.dateSent! };
      }
      const first = pages[2]![0]!;
      const back = await store.messages.list(
        bounded,
        page(2, { cursor: { seq: first.seq, at: first.dateSent! }, direction: 'before' }),
      );
      expect(sids(back)).toEqual(sids(pages[1]!));

      // Inclusive bounds on either side, alone or together.
      const f = (sentFrom?: number, sentTo?: number) =>
        store.messages
          .list({ accountSid: ac, tags: [], sentFrom, sentTo }, page(50))
          .then((l) => l.map((m) => (m.dateSent! - T0) / day));
      expect(await f(T0 + day, T0 + 2 * day)).toEqual([2, 2, 1, 1]);
      expect(await f(undefined, T0 + day)).toEqual([1, 1, 0]);
      expect(await f(T0 + 3 * day)).toEqual([3, 3]);
    },
  },
  {
    name: 'messages: DateSent keyset pages inside a two-sided window, both ways, ties at the edges',
    async run({ store }) {
      const ac = sid('AC');
      const day = 86_400_000;
      // The cursor's own date_sent bound is folded into the window's: each side must keep the
      // tighter one, and rows tied with the cursor's date_sent must split on seq.
      const sent = [0, 1, 4, 2, 1, 5, 2, 4, 3, 2, 1, 5];
      const made: Message[] = [];
      for (const d of sent) {
        made.push(await store.messages.insert(message(ac, { dateSent: T0 + d * day })));
      }
      const window: MessageFilter = {
        accountSid: ac,
        tags: [],
        sentFrom: T0 + day,
        sentTo: T0 + 4 * day,
      };
      const expected = made
        .filter((m) => m.dateSent! >= T0 + day && m.dateSent! <= T0 + 4 * day)
        .sort((a, b) => b.dateSent! - a.dateSent! || b.seq - a.seq);
      expect(sids(await store.messages.list(window, page(50)))).toEqual(sids(expected));
      for (const limit of [1, 2, 3, 5]) {
        expect(sids(await walk(store, window, limit, true))).toEqual(sids(expected));
      }
      const at = (m: Message) => ({ seq: m.seq, at: m.dateSent! });
      for (let i = 0; i < expected.length; i++) {
        const before = await store.messages.list(
          window,
          page(2, { cursor: at(expected[i]!), direction: 'before' }),
        );
        expect(sids(before)).toEqual(sids(expected.slice(Math.max(0, i - 2), i)));
        const after = await store.messages.list(window, page(2, { cursor: at(expected[i]!) }));
        expect(sids(after)).toEqual(sids(expected.slice(i + 1, i + 3)));
      }
      // A cursor outside the window never widens it.
      const late = made[5]!; // day 5, after the window
      const early = made[0]!; // day 0, before it
      expect(sids(await store.messages.list(window, page(50, { cursor: at(late) })))).toEqual(
        sids(expected),
      );
      expect(
        sids(
          await store.messages.list(window, page(50, { cursor: at(early), direction: 'before' })),
        ),
      ).toEqual(sids(expected));
    },
  },
  {
    name: 'messages: countRecent counts one direction of one pair since a time',
    async run({ store }) {
      const ac = sid('AC');
      const A = phone();
      const B = phone();
      await store.messages.insert(message(ac, { from: A, to: B, dateCreated: T0 }));
      await store.messages.insert(message(ac, { from: A, to: B, dateCreated: T0 + 10 }));
      await store.messages.insert(message(ac, { from: B, to: A, dateCreated: T0 + 10 }));
      await store.messages.insert(
        message(ac, { from: A, to: B, dateCreated: T0 + 10, direction: 'inbound' }),
      );
      const n = (since: number, direction: Message['direction'] = 'outbound-api') =>
        store.messages.countRecent({ accountSid: ac, from: A, to: B, direction, since });
      expect(await n(T0)).toBe(2);
      expect(await n(T0 + 1)).toBe(1);
      expect(await n(T0 + 11)).toBe(0);
      expect(await n(T0, 'inbound')).toBe(1);
    },
  },
  {
    name: 'messages: countRecent walks past pages of other traffic and stops before its window',
    async run({ store }) {
      const ac = sid('AC');
      const A = phone();
      const B = phone();
      const at = (dateCreated: number, from = A) => ({
        message: message(ac, { from, to: B, dateCreated }),
      });
      await store.messages.insertMany(Array.from({ length: 100 }, () => at(T0)));
      const recent = T0 + 60_000;
      // 70 from A (more than a page) with 80 from other senders in between.
      await store.messages.insertMany(
        Array.from({ length: 150 }, (_, i) => at(recent + i, i % 15 < 7 ? A : phone())),
      );
      const n = (since: number) =>
        store.messages.countRecent({
          accountSid: ac,
          from: A,
          to: B,
          direction: 'outbound-api',
          since,
        });
      expect(await n(recent)).toBe(70);
      expect(await n(recent + 75)).toBe(35);
      expect(await n(T0)).toBe(170);
      expect(await n(recent + 150)).toBe(0);
      // A back-dated message stored after the recent ones (a bulk load, a slow clock) does not
      // hide them.
      await store.messages.insertMany([at(T0 - 86_400_000)]);
      expect(await n(recent)).toBe(70);
    },
  },
  {
    name: 'messages: transition (conditional), history in order even within one millisecond',
    async run({ store }) {
      const ac = sid('AC');
      const m = await store.messages.insert(message(ac));
      const t = await store.messages.transition(
        m.sid,
        { status: 'sending', from: '+14155550199', numSegments: 2, carrierRef: 'c-1' },
        T0 + 1,
        ['queued'],
      );
      expect(t).toMatchObject({ status: 'sending', from: '+14155550199', numSegments: 2 });
      expect(t?.carrierRef).toBe('c-1');
      expect(t?.dateUpdated).toBe(T0 + 1);
      // Not in an expected status: nothing changes, nothing is logged.
      expect(await store.messages.transition(m.sid, { status: 'sent' }, T0 + 2, ['queued'])).toBe(
        undefined,
      );
      expect(
        await store.messages.transition(sid('SM'), { status: 'sent' }, T0 + 2),
      ).toBeUndefined();
      // Several transitions in the same millisecond keep their order.
      const burst = ['sent', 'delivered', 'undelivered', 'failed', 'sent', 'delivered', 'read'];
      for (const status of burst) {
        await store.messages.transition(
          m.sid,
          {
            status: status as Message['status'],
            ...(status === 'undelivered' && { errorCode: 30005, errorMessage: 'Unknown' }),
            ...(status === 'sent' && { dateSent: T0 + 3, price: '-0.0079', priceUnit: 'USD' }),
          },
          T0 + 3,
        );
      }
      const h = await store.messages.history(m.sid);
      expect(h.map((e) => e.status)).toEqual(['queued', 'sending', ...burst]);
      expect(h.find((e) => e.status === 'undelivered')).toEqual({
        status: 'undelivered',
        errorCode: 30005,
        at: T0 + 3,
      });
      expect(await store.messages.get(ac, m.sid)).toMatchObject({
        status: 'read',
        dateSent: T0 + 3,
        price: '-0.0079',
        errorCode: 30005,
      });
      // A patch without a status changes fields but logs nothing.
      await store.messages.transition(m.sid, { price: '-0.01' }, T0 + 4);
      expect(await store.messages.history(m.sid)).toHaveLength(h.length);
    },
  },
  {
    name: 'messages: redact, cancel, delete (with its subresources and copies)',
    async run({ store }) {
      const ac = sid('AC');
      const m = await store.messages.insert(message(ac, { body: 'secret' }));
      const handset = phone();
      // Not yet with the carrier: refused, nothing changed.
      expect(await store.messages.redact(ac, m.sid, T0 + 1)).toBe('in_progress');
      expect(await store.messages.get(ac, m.sid)).toMatchObject({ body: 'secret' });
      await store.messages.transition(m.sid, { status: 'sent' }, T0 + 1);
      await store.sim.record(simDelivery(ac, m.sid, handset, { body: 'secret' }));
      const hook = await store.webhooks.insert(
        webhook(ac, m.sid, { kind: 'inbound', params: { Body: 'secret', To: '+1' } }),
      );
      const attempt = {
        webhookId: hook.id,
        accountSid: ac,
        orderKey: m.sid,
        url: 'https://example.com/in?Body=secret&To=%2B1',
        method: 'GET' as const,
        params: { Body: 'secret', To: '+1' },
        responseStatus: 200,
        responseExcerpt: '<Response><Message>You said secret</Message></Response>',
        error: null,
        latencyMs: 1,
        attemptedAt: T0 + 1,
        nextRetryAt: null,
      };
      await store.webhooks.recordAttempt(attempt);
      await store.webhooks.recordAttempt({ ...attempt, responseExcerpt: 'ok' });
      expect(await store.messages.redact(sid('AC'), m.sid, T0 + 1)).toBe('not_found');
      const r = await store.messages.redact(ac, m.sid, T0 + 2);
      expect(r).toMatchObject({ body: '', dateUpdated: T0 + 2, status: 'sent' });
      expect((await store.sim.get(m.sid))?.body).toBe('');
      expect((await store.webhooks.get(hook.id))?.params).toEqual({ Body: '', To: '+1' });
      expect(await store.webhooks.attempts(m.sid)).toMatchObject([
        {
          url: 'https://example.com/in?Body=&To=%2B1',
          params: { Body: '' },
          responseExcerpt: null,
        },
        { responseExcerpt: 'ok' },
      ]);

      const scheduled = await store.messages.insert(
        message(ac, { status: 'scheduled', sendAt: FAR }),
      );
      expect(await store.messages.cancel(ac, sid('SM'), T0)).toBe('not_found');
      expect(await store.messages.cancel(sid('AC'), scheduled.sid, T0)).toBe('not_found');
      expect(await store.messages.cancel(ac, m.sid, T0)).toBe('conflict');
      expect(await store.messages.cancel(ac, scheduled.sid, T0 + 2)).toMatchObject({
        status: 'canceled',
        dateUpdated: T0 + 2,
      });

      // In flight, or sent without a final report: refused. Finished: gone, with tags, media,
      // feedback, history, its handset copy, webhooks, attempts and jobs.
      const d = await store.messages.insert(message(ac, { tags: { k: 'v' } }));
      expect(await store.messages.delete(ac, d.sid)).toBe('in_progress');
      await store.messages.transition(d.sid, { status: 'sent' }, T0 + 3);
      expect(await store.messages.delete(ac, d.sid)).toBe('in_progress');
      await store.messages.transition(d.sid, { status: 'delivered' }, T0 + 3);
      await store.sim.record(simDelivery(ac, d.sid, handset));
      // Queued (due): the queue entry is the row itself.
      const callback = await store.webhooks.insert(webhook(ac, d.sid, { runAt: FAR }));
      await store.webhooks.recordAttempt({ ...attempt, webhookId: callback.id, orderKey: d.sid });
      await store.media.insertMany([media(ac, d.sid, 0)]);
      await store.feedback.upsert({
        messageSid: d.sid,
        accountSid: ac,
        outcome: 'confirmed',
        dateCreated: T0,
        dateUpdated: T0,
      });
      expect(await store.messages.delete(sid('AC'), d.sid)).toBe('not_found');
      expect(await store.messages.delete(ac, d.sid)).toBe('deleted');
      expect(await store.messages.delete(ac, d.sid)).toBe('not_found');
      expect(await store.messages.get(ac, d.sid)).toBeUndefined();
      expect(await store.messages.history(d.sid)).toEqual([]);
      expect(
        await store.media.list({ accountSid: ac, messageSid: d.sid }, { limit: 5, offset: 0 }),
      ).toEqual([]);
      expect(await store.feedback.get(d.sid)).toBeUndefined();
      expect(await store.messages.list({ accountSid: ac, tags: [['k', 'v']] }, page(5))).toEqual(
        [],
      );
      expect(await store.sim.get(d.sid)).toBeUndefined();
      expect(await store.webhooks.get(callback.id)).toBeUndefined();
      expect(await store.webhooks.attempts(d.sid)).toEqual([]);
    },
  },
  {
    name: 'messages: prune keeps the newest N / younger than a time, never in-flight, in batches',
    async run({ store }) {
      const ac = sid('AC');
      const made: Message[] = [];
      for (let i = 0; i < 6; i++) {
        made.push(
          await store.messages.insert(
            message(ac, { status: i === 1 ? 'queued' : 'delivered', dateCreated: T0 + i }),
          ),
        );
      }
      await store.sim.record(simDelivery(ac, made[0]!.sid, phone()));
      const other = await store.messages.insert(message(sid('AC'), { status: 'delivered' }));
      // Keep the newest 3: of the 3 older ones, #1 is in flight and stays; one batch of 1.
      expect(await store.messages.prune({ accountSid: ac, keep: 3, limit: 1 })).toBe(1);
      expect(await store.messages.prune({ accountSid: ac, keep: 3, limit: 10 })).toBe(1);
      expect(await store.messages.prune({ accountSid: ac, keep: 3, limit: 10 })).toBe(0);
      const left = await store.messages.list({ accountSid: ac, tags: [] }, page(10));
      expect(sids(left)).toEqual(sids([made[5]!, made[4]!, made[3]!, made[1]!]));
      expect(await store.sim.get(made[0]!.sid)).toBeUndefined();
      // By age: created before T0+4.
      expect(await store.messages.prune({ accountSid: ac, before: T0 + 4, limit: 10 })).toBe(1);
      expect(await store.messages.prune({ accountSid: ac, limit: 10 })).toBe(0);
      expect(await store.messages.findBySid(other.sid)).toBeDefined();
    },
  },
  {
    name: 'messages: deleteFinished removes finished messages with everything, oldest first, in batches',
    async run({ store }) {
      const ac = sid('AC');
      const handset = phone();
      const statuses = ['delivered', 'queued', 'undelivered', 'sent', 'scheduled', 'received'];
      const made: Message[] = [];
      for (const [i, status] of statuses.entries()) {
        made.push(
          await store.messages.insert(
            message(ac, { status: status as Message['status'], dateCreated: T0 + i }),
          ),
        );
      }
      const [first, queued, undelivered, sent, scheduled, received] = made as [
        Message,
        Message,
        Message,
        Message,
        Message,
        Message,
      ];
      // The first finished one has every kind of copy; all must go with it.
      await store.sim.record(simDelivery(ac, first.sid, handset));
      const hook = await store.webhooks.insert(webhook(ac, first.sid, { runAt: FAR }));
      await store.webhooks.recordAttempt({
        webhookId: hook.id,
        accountSid: ac,
        orderKey: first.sid,
        url: 'https://example.com/cb',
        method: 'POST',
        params: {},
        responseStatus: 500,
        responseExcerpt: null,
        error: null,
        latencyMs: 1,
        attemptedAt: T0,
        nextRetryAt: FAR,
      });
      await store.outbox.enqueue([{ kind: 'webhook', ref: String(hook.id), runAt: FAR }]);
      await store.media.insertMany([media(ac, first.sid, 0)]);
      const other = await store.messages.insert(message(sid('AC'), { status: 'delivered' }));

      // Batches of 2, oldest first: first and undelivered, then received; then nothing.
      expect(await store.messages.deleteFinished(ac, 2)).toBe(2);
      expect(await store.messages.get(ac, undelivered.sid)).toBeUndefined();
      expect(await store.messages.get(ac, received.sid)).toBeDefined();
      expect(await store.messages.deleteFinished(ac, 2)).toBe(1);
      expect(await store.messages.deleteFinished(ac, 2)).toBe(0);
      const left = await store.messages.list({ accountSid: ac, tags: [] }, page(10));
      expect(sids(left)).toEqual(sids([scheduled, sent, queued]));
      expect(await store.messages.history(first.sid)).toEqual([]);
      expect(await store.sim.get(first.sid)).toBeUndefined();
      expect(await store.webhooks.get(hook.id)).toBeUndefined();
      expect(await store.webhooks.attempts(first.sid)).toEqual([]);
      expect(
        await store.media.list({ accountSid: ac, messageSid: first.sid }, { limit: 5, offset: 0 }),
      ).toEqual([]);
      expect(await store.webhooks.get(hook.id)).toBeUndefined();
      expect(await store.messages.findBySid(other.sid)).toBeDefined();
    },
  },
  {
    name: 'outbox: stats count every kind and date its oldest due, unleased job',
    async run({ store }) {
      const kind = `k-${hex()}`;
      const idle = `i-${hex()}`;
      await store.outbox.enqueue([
        { kind, ref: 'a', runAt: T0 + 1 },
        { kind, ref: 'b', runAt: T0 + 2 },
        { kind, ref: 'c', runAt: T0 + 3 },
        { kind, ref: 'later', runAt: FAR },
        { kind: idle, ref: 'x', runAt: FAR },
      ]);
      const of = async (now: number) =>
        (await store.outbox.stats(now)).filter((s) => s.kind === kind || s.kind === idle);
      expect(await of(T0 + 5)).toEqual(
        expect.arrayContaining([
          { kind, jobs: 4, oldestDueAt: T0 + 1 },
          { kind: idle, jobs: 1, oldestDueAt: null },
        ]),
      );
      expect(await of(T0 + 5)).toHaveLength(2);
      // A leased job is not due (it is running); its lease expiring makes it due again.
      const [leased] = await store.outbox.claim({
        kinds: [kind],
        owner: 'w',
        now: T0 + 5,
        limit: 1,
        leaseMs: 1000,
      });
      expect(leased?.ref).toBe('a');
      expect(await of(T0 + 6)).toContainEqual({ kind, jobs: 4, oldestDueAt: T0 + 2 });
      expect(await of(T0 + 5 + 1001)).toContainEqual({ kind, jobs: 4, oldestDueAt: T0 + 1 });
      // Nothing due yet: jobs counted, no oldest.
      expect(await of(T0)).toContainEqual({ kind, jobs: 4, oldestDueAt: null });
      await store.outbox.complete(leased!.id);
      expect(await of(T0 + 6)).toContainEqual({ kind, jobs: 3, oldestDueAt: T0 + 2 });
    },
  },
  {
    name: 'store: stats report the engine figures it has (pool, WAL)',
    async run({ engine, store }) {
      await store.settings.set(`stats-${hex()}`, 'v'); // a write: the WAL file exists
      const stats = await store.stats();
      if (engine === 'sqlite-file') {
        expect(stats).toEqual({ walBytes: expect.any(Number) });
        expect(stats.walBytes).toBeGreaterThanOrEqual(0);
      } else if (engine === 'postgres') {
        expect(stats).toEqual({
          pool: { total: expect.any(Number), idle: expect.any(Number), waiting: 0 },
        });
        expect(stats.pool!.total).toBeGreaterThanOrEqual(1);
        expect(stats.pool!.idle).toBeLessThanOrEqual(stats.pool!.total);
      } else {
        // In-memory SQLite has no WAL file; PGlite has no pool.
        expect(stats).toEqual({});
      }
    },
  },
  {
    name: 'outbox: claim takes due, unleased jobs of the given kinds in (run_at, id) order',
    async run({ store }) {
      const kind = `k-${hex()}`;
      const other = `o-${hex()}`;
      await store.outbox.enqueue([]);
      await store.outbox.enqueue([
        { kind, ref: 'r3', runAt: T0 + 3, payload: { n: 3, nested: { ok: true } } },
        { kind, ref: 'r1', runAt: T0 + 1 },
        { kind, ref: 'r1b', runAt: T0 + 1 },
        { kind, ref: 'later', runAt: FAR },
        { kind: other, ref: 'x', runAt: T0 },
      ]);
      expect(await store.outbox.count([kind])).toBe(4);
      expect(await store.outbox.count([kind, other])).toBe(5);
      expect(
        await store.outbox.claim({ kinds: [], owner: 'a', now: T0 + 5, limit: 9, leaseMs: 10 }),
      ).toEqual([]);
      const claim = (owner: string, now: number, limit = 10) =>
        store.outbox.claim({ kinds: [kind], owner, now, limit, leaseMs: 1000 });
      const first = await claim('a', T0 + 5, 2);
      expect(first.map((j) => j.ref)).toEqual(['r1', 'r1b']);
      expect(first[0]).toMatchObject({ kind, payload: {}, runAt: T0 + 1, attempts: 0 });
      expect(typeof first[0]!.id).toBe('number');
      const rest = await claim('b', T0 + 5);
      expect(rest.map((j) => j.ref)).toEqual(['r3']);
      expect(rest[0]!.payload).toEqual({ n: 3, nested: { ok: true } });
      // Everything due is leased now.
      expect(await claim('c', T0 + 6)).toEqual([]);
      // An expired lease makes a job claimable again.
      const retaken = await claim('c', T0 + 5 + 1001);
      expect(retaken.map((j) => j.ref)).toEqual(['r1', 'r1b', 'r3']);
      // Multi-kind claims.
      const both = await store.outbox.claim({
        kinds: [other, kind],
        owner: 'd',
        now: T0 + 5000,
        limit: 10,
        leaseMs: 1000,
      });
      expect(both.map((j) => j.ref)).toEqual(['x', 'r1', 'r1b', 'r3']);
    },
  },
  {
    name: 'outbox: complete, retry (attempts, payload), releaseAll by owner and for all',
    async run({ store }) {
      const kind = `k-${hex()}`;
      await store.outbox.enqueue(
        ['a', 'b', 'c', 'd'].map((ref) => ({ kind, ref, runAt: T0, createdAt: T0 - 1 })),
      );
      const claim = (owner: string, now = T0, limit = 10) =>
        store.outbox.claim({ kinds: [kind], owner, now, limit, leaseMs: 60_000 });
      const [a, b] = await claim('one', T0, 2);
      const [c, d] = await claim('two');
      await store.outbox.complete(a!.id);
      expect(await store.outbox.count([kind])).toBe(3);
      await store.outbox.retry(b!.id, T0 + 100, { step: 2 });
      await store.outbox.retry(b!.id, T0 + 200);
      // Retried: unleased, due later, attempts counted, payload kept when none is given.
      expect(await claim('x', T0 + 199)).toEqual([]);
      const again = await claim('x', T0 + 200);
      expect(again).toEqual([
        { id: b!.id, kind, ref: 'b', payload: { step: 2 }, runAt: T0 + 200, attempts: 2 },
      ]);
      await store.outbox.releaseAll('two');
      expect((await claim('y', T0 + 1)).map((j) => j.id)).toEqual([c!.id, d!.id]);
      await store.outbox.releaseAll();
      expect((await claim('z', T0 + 300)).map((j) => j.ref)).toEqual(['c', 'd', 'b']);
    },
  },
  {
    name: "outbox: renew extends only the owner's leases; complete/retry with an owner need its lease",
    async run({ store }) {
      const kind = `k-${hex()}`;
      await store.outbox.enqueue(['a', 'b', 'c'].map((ref) => ({ kind, ref, runAt: T0 })));
      const claim = (owner: string, now: number) =>
        store.outbox.claim({ kinds: [kind], owner, now, limit: 10, leaseMs: 100 });
      const [a, b, c] = await claim('one', T0);
      await store.outbox.renew([], 'one', FAR);
      await store.outbox.renew([a!.id, b!.id], 'one', T0 + 1000);
      await store.outbox.renew([c!.id], 'someone-else', T0 + 1000);
      // c's lease (T0+100) expired; a and b were renewed.
      const taken = await claim('two', T0 + 500);
      expect(taken.map((j) => j.ref)).toEqual(['c']);
      // 'one' lost c: its completion and retry of c are ignored; 'two' still holds it.
      await store.outbox.complete(c!.id, 'one');
      await store.outbox.retry(c!.id, T0, undefined, 'one');
      expect(await store.outbox.count([kind])).toBe(3);
      expect(await claim('three', T0 + 501)).toEqual([]);
      await store.outbox.complete(a!.id, 'one');
      await store.outbox.retry(b!.id, T0 + 2000, { again: true }, 'one');
      await store.outbox.complete(c!.id, 'two');
      expect(await store.outbox.count([kind])).toBe(1);
      expect(await claim('four', T0 + 2000)).toEqual([
        { id: b!.id, kind, ref: 'b', payload: { again: true }, runAt: T0 + 2000, attempts: 1 },
      ]);
    },
  },
  {
    name: 'empty IN lists behave alike on every engine',
    async run({ store }) {
      expect(await store.outbox.count([])).toBe(0);
      const ac = sid('AC');
      const m = await store.messages.insert(message(ac));
      expect(
        await store.messages.transition(m.sid, { status: 'sent' }, T0 + 1, []),
      ).toBeUndefined();
      expect((await store.messages.get(ac, m.sid))?.status).toBe('queued');
      expect(await store.optOuts.isBlocked([], phone())).toBe(false);
    },
  },
  {
    name: 'outbox: two concurrent claimers never get the same job',
    async run({ store, peer }) {
      const kind = `k-${hex()}`;
      const total = 300;
      await store.outbox.enqueue(
        Array.from({ length: total }, (_, i) => ({ kind, ref: `r${i}`, runAt: T0 })),
      );
      const seen = new Map<number, string>();
      const dupes: number[] = [];
      const worker = async (s: Store, owner: string) => {
        let idle = 0;
        while (idle < 3) {
          const jobs = await s.outbox.claim({
            kinds: [kind],
            owner,
            now: T0 + 1,
            limit: 7,
            leaseMs: 3_600_000,
          });
          if (jobs.length === 0) idle++;
          for (const j of jobs) {
            if (seen.has(j.id)) dupes.push(j.id);
            seen.set(j.id, owner);
          }
          // Completing some keeps both claimers writing while the other claims.
          await Promise.all(jobs.filter((j) => j.id % 2).map((j) => s.outbox.complete(j.id)));
        }
      };
      const second = peer ?? store;
      await Promise.all([
        worker(store, 'w1'),
        worker(second, 'w2'),
        worker(store, 'w3'),
        worker(second, 'w4'),
      ]);
      expect(dupes).toEqual([]);
      expect(seen.size).toBe(total);
      // Both stores really did claim (the test would prove little otherwise).
      const owners = new Set(seen.values());
      expect(owners.size).toBeGreaterThan(1);
    },
  },
  {
    name: 'sim deliveries: record is idempotent; get; a handset inbox newest first',
    async run({ store }) {
      const ac = sid('AC');
      const handset = phone();
      const d1 = simDelivery(ac, sid('SM'), handset, { receivedAt: T0 + 1 });
      const d2 = simDelivery(ac, sid('SM'), handset, {
        receivedAt: T0 + 2,
        direction: 'from-handset',
        from: null,
        mediaUrls: ['https://m/1'],
        outcome: { status: 'delivered', nested: [1, 2] },
      });
      const d3 = simDelivery(ac, sid('SM'), handset, { receivedAt: T0 + 2 });
      expect(await store.sim.record(d1)).toBe(true);
      expect(await store.sim.record({ ...d1, body: 'again' })).toBe(false);
      expect(await store.sim.record(d2)).toBe(true);
      expect(await store.sim.record(d3)).toBe(true);
      expect(await store.sim.get(d1.messageSid)).toEqual(d1);
      expect(await store.sim.get(d2.messageSid)).toEqual(d2);
      expect(await store.sim.get(sid('SM'))).toBeUndefined();
      const inbox = await store.sim.listForHandset(handset, 10);
      const tied = [d2, d3].sort((a, b) => (a.messageSid < b.messageSid ? 1 : -1));
      expect(inbox.map((d) => d.messageSid)).toEqual([...tied, d1].map((d) => d.messageSid));
      expect(await store.sim.listForHandset(handset, 1)).toHaveLength(1);
      expect(await store.sim.listForHandset(phone(), 10)).toEqual([]);
    },
  },
  {
    name: "sim deliveries: a family reads only its own and its subaccounts' messages of a handset",
    async run({ store }) {
      const parent = account();
      const child = account({ ownerAccountSid: parent.sid });
      const stranger = account();
      for (const a of [parent, child, stranger]) await store.accounts.insert(a);
      const handset = phone();
      const mine = simDelivery(parent.sid, sid('SM'), handset, { receivedAt: T0 + 1 });
      const childs = simDelivery(child.sid, sid('SM'), handset, { receivedAt: T0 + 2 });
      const theirs = simDelivery(stranger.sid, sid('SM'), handset, { receivedAt: T0 + 3 });
      await store.sim.recordMany([mine, childs, theirs]);
      const of = async (family?: string) =>
        (await store.sim.listForHandset(handset, 10, family)).map((d) => d.messageSid);
      expect(await of(parent.sid)).toEqual([childs.messageSid, mine.messageSid]);
      expect(await of(child.sid)).toEqual([childs.messageSid]);
      expect(await of(stranger.sid)).toEqual([theirs.messageSid]);
      expect(await of()).toHaveLength(3);
      expect(await store.sim.listForHandset(handset, 1, parent.sid)).toHaveLength(1);
    },
  },
  {
    name: 'sim network: rules in order, per owner; replace and remove by scope; settings set and cleared',
    async run({ store }) {
      const a = sid('AC');
      const b = sid('AC');
      const rule = (id: string, accountSid: string | null, match = '*') => ({
        id,
        accountSid,
        definition: { match, outcome: { status: 'failed', errorCode: 30008 } },
      });
      const mine = (r: { rules: { accountSid: string | null }[] }) =>
        r.rules.filter((x) => x.accountSid === a || x.accountSid === b || x.accountSid === null);
      await store.sim.replaceRules([null], []);
      await store.sim.addRule(rule('x', a));
      await store.sim.addRule(rule('x', b)); // same id, another owner: both kept
      await store.sim.addRule(rule('w', null, '+1555*'));
      await store.sim.addRule(rule('x', a, '+1415*')); // replaces a's x, which moves last
      expect(mine(await store.sim.network())).toEqual([
        rule('x', b),
        rule('w', null, '+1555*'),
        rule('x', a, '+1415*'),
      ]);
      // Replace within a's scope only; order as given.
      await store.transaction((tx) => tx.sim.replaceRules([a], [rule('y', a), rule('z', a)]));
      expect(mine(await store.sim.network())).toEqual([
        rule('x', b),
        rule('w', null, '+1555*'),
        rule('y', a),
        rule('z', a),
      ]);
      expect(await store.sim.removeRule([b], 'y')).toBe(false);
      expect(await store.sim.removeRule([a], 'y')).toBe(true);
      expect(await store.sim.removeRule([null], 'w')).toBe(true);
      expect(mine(await store.sim.network())).toEqual([rule('x', b), rule('z', a)]);
      await store.sim.replaceRules([a, b], []);
      expect(mine(await store.sim.network())).toEqual([]);

      await store.sim.setNetwork({
        chaos: { mix: [{ probability: 0.5, outcome: { status: 'no-dlr' } }], delayMs: 5 },
        deliveryDelayMs: 0,
        seed: 'seed',
      });
      expect(await store.sim.network()).toMatchObject({
        chaos: { mix: [{ probability: 0.5, outcome: { status: 'no-dlr' } }], delayMs: 5 },
        deliveryDelayMs: 0,
        seed: 'seed',
      });
      await store.sim.setNetwork({ seed: 'other' });
      expect((await store.sim.network()).seed).toBe('other');
      expect((await store.sim.network()).deliveryDelayMs).toBe(0);
      await store.sim.setNetwork({ chaos: null, deliveryDelayMs: null, seed: null });
      expect(await store.sim.network()).toMatchObject({
        chaos: null,
        deliveryDelayMs: null,
        seed: null,
      });
    },
  },
  {
    name: 'webhooks: chains per order key, rounds settle once, attempts are logged',
    async run({ store }) {
      const round = async (
        id: number,
        r: { expectedAttempts: number; status: WebhookStatus },
        now: number,
      ) => (await store.webhooks.completeRounds([{ id, ...r }], now)).has(id);
      const ac = sid('AC');
      const key = sid('SM');
      const w1 = await store.webhooks.insert(
        webhook(ac, key, { fallbackUrl: 'https://f', fallbackMethod: 'GET' }),
      );
      const w2 = await store.webhooks.insert(
        webhook(ac, key, { kind: 'inbound', createdAt: T0 + 1 }),
      );
      const lone = await store.webhooks.insert(webhook(ac, sid('SM')));
      expect(w1).toMatchObject({
        status: 'pending',
        attempts: 0,
        updatedAt: T0,
        fallbackMethod: 'GET',
      });
      expect(w1.params).toEqual({ MessageSid: key, Repeated: ['a', 'b'] });
      expect(w2.id).toBeGreaterThan(w1.id);
      expect(await store.webhooks.get(w1.id)).toEqual(w1);
      expect(await store.webhooks.get(999_999_999)).toBeUndefined();
      expect(await store.webhooks.nextPending(key)).toEqual(w1);
      // Inside a transaction (where multi-process stores lock the rows found).
      expect(
        await store.transaction((tx) => tx.webhooks.pendingHeads([key], { lock: true })),
      ).toEqual(new Map([[key, w1.id]]));
      expect(await store.webhooks.countByOrderKey(key, 'status-callback')).toBe(1);
      expect(await store.webhooks.countByOrderKey(key, 'inbound')).toBe(1);

      expect(await round(w1.id, { expectedAttempts: 1, status: 'delivered' }, T0 + 5)).toBe(false);
      expect(await round(w1.id, { expectedAttempts: 0, status: 'pending' }, T0 + 5)).toBe(true);
      expect(await store.webhooks.get(w1.id)).toMatchObject({
        attempts: 1,
        status: 'pending',
        updatedAt: T0 + 5,
      });
      expect(await round(w1.id, { expectedAttempts: 1, status: 'failed' }, T0 + 6)).toBe(true);
      expect(await round(w1.id, { expectedAttempts: 1, status: 'failed' }, T0 + 7)).toBe(false);
      expect(await store.webhooks.nextPending(key)).toEqual(w2);
      expect(await store.webhooks.countByOrderKey(key, 'status-callback')).toBe(1);

      const attempt = {
        webhookId: w1.id,
        accountSid: ac,
        orderKey: key,
        url: 'https://example.com/cb',
        method: 'POST' as const,
        params: { A: '1', B: ['x', 'y'] },
        responseStatus: 500,
        responseExcerpt: 'oops',
        error: null,
        latencyMs: 12,
        attemptedAt: T0 + 5,
        nextRetryAt: FAR,
      };
      const a1 = await store.webhooks.recordAttempt(attempt);
      const a2 = await store.webhooks.recordAttempt({
        ...attempt,
        webhookId: w2.id,
        responseStatus: null,
        responseExcerpt: null,
        error: 'ECONNREFUSED',
        nextRetryAt: null,
        attemptedAt: T0 + 6,
      });
      const a3 = await store.webhooks.recordAttempt({
        ...attempt,
        webhookId: lone.id,
        orderKey: lone.orderKey,
      });
      expect(a1).toEqual({ id: a1.id, ...attempt });
      expect(a2).toMatchObject({ responseStatus: null, error: 'ECONNREFUSED', nextRetryAt: null });
      expect((await store.webhooks.attempts(key)).map((a) => a.id)).toEqual([a1.id, a2.id]);
      expect(await store.webhooks.attemptsForWebhook(w2.id)).toEqual([a2]);
      expect((await store.webhooks.attemptsForAccount(ac, 2)).map((a) => a.id)).toEqual([
        a3.id,
        a2.id,
      ]);
      expect(await store.webhooks.attemptsForAccount(sid('AC'), 5)).toEqual([]);
    },
  },
  {
    name: 'outbox: completeMany removes, in one call, only the jobs the owner still leases',
    async run({ store }) {
      const kind = `k-${hex()}`;
      await store.outbox.enqueue(['a', 'b', 'c'].map((ref) => ({ kind, ref, runAt: T0 })));
      const claim = (owner: string, limit: number) =>
        store.outbox.claim({ kinds: [kind], owner, now: T0, limit, leaseMs: 60_000 });
      const [a, b] = await claim('one', 2);
      const [c] = await claim('two', 1);
      expect(await store.outbox.completeMany([], 'one')).toBe(0);
      // c is another owner's: left alone.
      expect(await store.outbox.completeMany([a!.id, b!.id, c!.id], 'one')).toBe(2);
      expect(await store.outbox.count([kind])).toBe(1);
      // Without an owner: unconditional; inside a rolled-back transaction: nothing.
      await expect(
        store.transaction(async (tx) => {
          expect(await tx.outbox.completeMany([c!.id])).toBe(1);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect(await store.outbox.count([kind])).toBe(1);
      expect(await store.outbox.completeMany([c!.id])).toBe(1);
      expect(await store.outbox.count([kind])).toBe(0);
      // More ids than one statement takes.
      const many = `k-${hex()}`;
      await store.outbox.enqueue(
        Array.from({ length: 1500 }, (_, i) => ({ kind: many, ref: String(i), runAt: T0 })),
      );
      const all = await store.outbox.claim({
        kinds: [many],
        owner: 'bulk',
        now: T0,
        limit: 2000,
        leaseMs: 60_000,
      });
      expect(all).toHaveLength(1500);
      expect(
        await store.outbox.completeMany(
          all.map((j) => j.id),
          'bulk',
        ),
      ).toBe(1500);
      expect(await store.outbox.count([many])).toBe(0);
    },
  },
  {
    name: 'messages: findManyBySid; transitionMany applies per-row patches conditionally, with history',
    async run({ store }) {
      const ac = sid('AC');
      const [m1, m2, m3] = (
        await store.messages.insertMany([0, 1, 2].map(() => ({ message: message(ac) })))
      ).map((s) => s.message);
      const done = await store.messages.insert(message(ac, { status: 'delivered' }));
      const found = await store.messages.findManyBySid([m1!.sid, done.sid, sid('SM')]);
      expect(found.map((m) => m.sid).sort()).toEqual([m1!.sid, done.sid].sort());
      expect(found.find((m) => m.sid === m1!.sid)).toEqual(m1);
      expect(await store.messages.findManyBySid([])).toEqual([]);

      // Only messages in an expected status move; a SID given twice applies once.
      const sending = await store.messages.transitionMany(
        [m1!, m2!, m2!, done].map((m) => ({ sid: m.sid, patch: { status: 'sending' as const } })),
        T0 + 1,
        ['queued'],
      );
      expect(sending.map((m) => m.sid).sort()).toEqual([m1!.sid, m2!.sid].sort());
      expect(sending.every((m) => m.status === 'sending' && m.dateUpdated === T0 + 1)).toBe(true);
      expect((await store.messages.findBySid(done.sid))?.status).toBe('delivered');

      // Each row its own values and fields; 64-bit times round-trip as numbers.
      const moved = await store.messages.transitionMany(
        [
          {
            sid: m1!.sid,
            patch: {
              status: 'sent',
              dateSent: FAR,
              carrierRef: 'SIM1',
              numSegments: 2,
              price: '-0.01660',
              priceUnit: 'USD',
            },
          },
          {
            sid: m2!.sid,
            patch: { status: 'failed', errorCode: 30008, errorMessage: 'Unknown error' },
          },
          { sid: m3!.sid, patch: { status: 'sent' } },
        ],
        T0 + 2,
        ['sending'],
      );
      const bySid = new Map(moved.map((m) => [m.sid, m]));
      expect(bySid.size).toBe(2);
      expect(bySid.get(m1!.sid)).toEqual({
        ...m1,
        status: 'sent',
        dateSent: FAR,
        carrierRef: 'SIM1',
        numSegments: 2,
        price: '-0.01660',
        priceUnit: 'USD',
        dateUpdated: T0 + 2,
      });
      expect(bySid.get(m2!.sid)).toMatchObject({
        status: 'failed',
        errorCode: 30008,
        errorMessage: 'Unknown error',
        dateSent: null,
        carrierRef: null,
      });
      expect(await store.messages.findBySid(m3!.sid)).toEqual(m3);
      expect(await store.messages.history(m1!.sid)).toEqual([
        { status: 'queued', errorCode: null, at: T0 },
        { status: 'sending', errorCode: null, at: T0 + 1 },
        { status: 'sent', errorCode: null, at: T0 + 2 },
      ]);
      expect((await store.messages.history(m2!.sid)).map((e) => [e.status, e.errorCode])).toEqual([
        ['queued', null],
        ['sending', null],
        ['failed', 30008],
      ]);
      expect(await store.messages.transitionMany([], T0, ['queued'])).toEqual([]);
      expect(
        await store.messages.transitionMany([{ sid: m3!.sid, patch: { status: 'sent' } }], T0, []),
      ).toEqual([]);

      // More rows than one statement takes.
      const bulk = (
        await store.messages.insertMany(
          Array.from({ length: 1100 }, () => ({ message: message(ac) })),
        )
      ).map((s) => s.message);
      const all = await store.messages.transitionMany(
        bulk.map((m, i) => ({ sid: m.sid, patch: { status: 'sending' as const, numSegments: i } })),
        T0 + 3,
        ['queued'],
      );
      expect(all).toHaveLength(1100);
      const last = bulk[1099]!;
      expect((await store.messages.findBySid(last.sid))?.numSegments).toBe(1099);
    },
  },
  {
    name: 'messages: insertMany writes each message, its creation event and its job (in one statement where the engine can)',
    async run({ store }) {
      const ac = sid('AC');
      // The jobs of this batch: claimed, checked, then removed.
      const jobsOf = async (batch: readonly { message: Message }[]) => [
        ...(await takeJobs(store, FAR, new Set(batch.map((i) => i.message.sid)))).keys(),
      ];
      const check = async (batch: { message: Message; outbox?: OutboxEntry }[]) => {
        const stored = (await store.messages.insertMany(batch)).map((s) => s.message);
        expect(sids(stored)).toEqual(batch.map((i) => i.message.sid));
        for (const m of stored) {
          expect(await store.messages.findBySid(m.sid)).toEqual(m);
          expect(await store.messages.history(m.sid)).toEqual([
            { status: m.status, errorCode: null, at: m.dateCreated },
          ]);
        }
        const withJobs = batch.filter((i) => i.outbox).map((i) => i.message.sid);
        expect((await jobsOf(batch)).sort()).toEqual(withJobs.sort());
      };
      const job: OutboxEntry = { kind: 'dispatch', runAt: T0 };
      // No tags, some with a job (PostgreSQL: one statement)…
      await check([
        { message: message(ac, { status: 'queued', dateCreated: T0 + 1 }), outbox: job },
        { message: message(ac, { status: 'received', direction: 'inbound', dateCreated: T0 + 2 }) },
        { message: message(ac, { status: 'accepted', dateCreated: T0 + 3 }), outbox: job },
      ]);
      // …none with a job…
      await check([{ message: message(ac, { dateCreated: T0 + 4 }) }]);
      // …one with tags (a transaction everywhere)…
      await check([
        { message: message(ac, { tags: { campaign: 'x' } }), outbox: job },
        { message: message(ac), outbox: job },
      ]);
      // …and more than one statement takes.
      await check(Array.from({ length: 600 }, () => ({ message: message(ac), outbox: job })));
      expect(
        await store.messages.list({ accountSid: ac, tags: [['campaign', 'x']] }, page(50)),
      ).toHaveLength(1);
    },
  },
  {
    name: 'messages: insertMany stores a job with a lease leased, and returns its id',
    async run({ store }) {
      const ac = sid('AC');
      const lease = { owner: 'accepting-node', until: T0 + 30_000 };
      const claimAt = (now: number, mine: ReadonlySet<string>) => takeJobs(store, now, mine);
      const check = async (batch: { message: Message; outbox?: OutboxEntry }[]) => {
        const stored = await store.messages.insertMany(batch);
        const leased = new Map<string, number>();
        stored.forEach((s, i) => {
          const item = batch[i];
          expect(s.message.sid).toBe(item?.message.sid);
          if (item?.outbox?.lease) {
            expect(s.job).toEqual({
              id: expect.any(Number),
              kind: 'dispatch',
              ref: s.message.sid,
              payload: {},
              runAt: T0,
              attempts: 0,
            });
            leased.set(s.message.sid, s.job?.id as number);
          } else expect(s).not.toHaveProperty('job');
        });
        const mine = new Set(batch.map((i) => i.message.sid));
        // While the lease holds, another worker claims only the jobs stored without one…
        const unleased = batch.filter((i) => i.outbox && !i.outbox.lease).map((i) => i.message.sid);
        expect([...(await claimAt(T0 + 1, mine)).keys()].sort()).toEqual(unleased.sort());
        // The holder completes a job by the id it got back (the row names it as the owner)…
        const [first] = leased;
        if (first) {
          expect(await store.outbox.completeMany([first[1]], 'someone-else')).toBe(0);
          expect(await store.outbox.completeMany([first[1]], lease.owner)).toBe(1);
          leased.delete(first[0]);
        }
        // …and once the lease has run out, others claim the rest, by the same ids.
        expect(await claimAt(lease.until + 1, mine)).toEqual(leased);
      };
      const plain: OutboxEntry = { kind: 'dispatch', runAt: T0 };
      const held: OutboxEntry = { ...plain, lease };
      // No tags (PostgreSQL: one statement), leased, not leased and without a job together…
      await check([
        { message: message(ac), outbox: held },
        { message: message(ac), outbox: plain },
        { message: message(ac, { status: 'received', direction: 'inbound' }) },
        { message: message(ac), outbox: held },
      ]);
      // …with tags (a transaction everywhere)…
      await check([
        { message: message(ac, { tags: { campaign: 'y' } }), outbox: held },
        { message: message(ac), outbox: plain },
      ]);
      // …and more than one statement takes.
      await check(
        Array.from({ length: 600 }, (_, i) => ({
          message: message(ac),
          outbox: i % 3 === 0 ? plain : held,
        })),
      );
    },
  },
  {
    name: 'webhooks: the queue leases due chain heads in one claim; a settled head makes the next due',
    async run({ store }) {
      const ac = sid('AC');
      const [ka, kb] = [sid('SM'), sid('SM')];
      const owner = 'queue-worker';
      const ids = (list: Webhook[]) =>
        list.filter((w) => w.orderKey === ka || w.orderKey === kb).map((w) => w.id);
      const claim = async (now: number, who = owner) =>
        ids(await store.webhooks.claim({ owner: who, now, limit: 1000, leaseMs: 1000 }));
      const queuedBefore = (await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs;
      const [a1, a2, b1] = (await store.webhooks.insertMany([
        webhook(ac, ka, { runAt: T0 }),
        webhook(ac, ka),
        webhook(ac, kb, { runAt: T0 + 10 }),
      ])) as [number, number, number];
      expect(await store.webhooks.get(a2)).toMatchObject({ runAt: null });
      expect((await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs).toBe(
        queuedBefore + 2,
      );
      // Nothing before it is due; then what is due, oldest first.
      expect(await claim(T0 - 1)).toEqual([]);
      expect(await claim(T0 + 10)).toEqual([a1, b1]);
      // Leased: nobody takes them while the leases hold; a renewed one holds longer.
      expect(await claim(T0 + 20, 'other')).toEqual([]);
      await store.webhooks.renew([a1], owner, T0 + 5_000);
      await store.webhooks.renew([b1], 'not-the-owner', T0 + 5_000);
      expect(await claim(T0 + 1_011, 'other')).toEqual([b1]);
      // Given back without a round: due again when asked, attempts unchanged.
      await store.webhooks.reschedule([b1], owner, T0); // not its owner any more: no effect
      await store.webhooks.reschedule([b1], 'other', T0 + 2_000);
      expect(await store.webhooks.get(b1)).toMatchObject({ attempts: 0, runAt: T0 + 2_000 });
      // A failed round is due again at its retry; a finished one never, and the next of its
      // chain becomes due.
      expect(
        await store.webhooks.completeRounds(
          [
            { id: a1, expectedAttempts: 0, status: 'delivered', retryAt: T0 + 99 },
            { id: b1, expectedAttempts: 0, status: 'pending', retryAt: T0 + 3_000 },
          ],
          T0 + 30,
        ),
      ).toEqual(new Set([a1, b1]));
      expect(await store.webhooks.get(a1)).toMatchObject({ status: 'delivered', runAt: null });
      expect(await store.webhooks.get(b1)).toMatchObject({ attempts: 1, runAt: T0 + 3_000 });
      expect(await claim(T0 + 2_500)).toEqual([]);
      await store.webhooks.activate([ka, kb], T0 + 40);
      // b1 was due already (its retry stands); a2 is due now.
      expect(await store.webhooks.get(b1)).toMatchObject({ runAt: T0 + 3_000 });
      expect(await claim(T0 + 2_500)).toEqual([a2]);
      // Start-up of a single-process store: every lease goes.
      await store.webhooks.releaseAll(T0 + 3_000, owner);
      expect(await claim(T0 + 3_000, 'other')).toEqual([a2, b1]);
      await store.webhooks.completeRounds(
        [
          { id: a2, expectedAttempts: 0, status: 'failed' },
          { id: b1, expectedAttempts: 1, status: 'delivered' },
        ],
        T0 + 3_001,
      );
      expect((await store.webhooks.queueStats(Number.MAX_SAFE_INTEGER)).jobs).toBe(queuedBefore);
    },
  },
  {
    name: 'store: afterCommit runs after the outermost commit, never after a rollback',
    async run({ store }) {
      const ran: string[] = [];
      // Outside a transaction: at once.
      store.afterCommit(() => ran.push('now'));
      expect(ran).toEqual(['now']);

      const a = account();
      await store.transaction(async (tx) => {
        await tx.accounts.insert(a);
        tx.afterCommit(() => {
          // Committed by then: visible outside the transaction.
          void store.accounts.get(a.sid).then((got) => ran.push(`outer:${got?.sid === a.sid}`));
        });
        await tx.transaction((inner) => {
          inner.afterCommit(() => ran.push('nested'));
          return Promise.resolve();
        });
        // A nested transaction's hook waits for the outermost commit.
        expect(ran).toEqual(['now']);
        tx.afterCommit(() => {
          throw new Error('a failing hook is skipped');
        });
        tx.afterCommit(() => ran.push('last'));
      });
      // The outer read started by a hook finishes on its own time (a slow store under load).
      await until(() => (ran.length >= 4 ? true : undefined));
      expect(ran).toEqual(['now', 'nested', 'last', 'outer:true']);

      await expect(
        store.transaction((tx) => {
          tx.afterCommit(() => ran.push('rolled back'));
          return Promise.reject(new Error('boom'));
        }),
      ).rejects.toThrow('boom');
      expect(ran).not.toContain('rolled back');
    },
  },
  {
    name: 'messages: transitionManySids moves like transitionMany and returns only the SIDs',
    async run({ store }) {
      const ac = sid('AC');
      const [a, b] = (
        await store.messages.insertMany([0, 1].map(() => ({ message: message(ac) })))
      ).map((s) => s.message);
      const done = await store.messages.insert(message(ac, { status: 'delivered' }));
      const moved = await store.messages.transitionManySids(
        [a!, b!, done].map((m, i) => ({
          sid: m.sid,
          patch: { status: 'sent' as const, carrierRef: `R${i}`, dateSent: FAR },
        })),
        T0 + 1,
        ['queued'],
      );
      expect([...moved].sort()).toEqual([a!.sid, b!.sid].sort());
      expect(await store.messages.findBySid(b!.sid)).toEqual({
        ...b,
        status: 'sent',
        carrierRef: 'R1',
        dateSent: FAR,
        dateUpdated: T0 + 1,
      });
      expect((await store.messages.findBySid(done.sid))?.status).toBe('delivered');
      expect((await store.messages.history(a!.sid)).map((e) => e.status)).toEqual([
        'queued',
        'sent',
      ]);
      // Uniform patches (one batch step) and a rolled-back transaction leave nothing behind.
      await expect(
        store.transaction(async (tx) => {
          const s = await tx.messages.transitionManySids(
            [a!, b!].map((m) => ({ sid: m.sid, patch: { status: 'delivered' as const } })),
            T0 + 2,
            ['sent'],
          );
          expect(s.size).toBe(2);
          throw new Error('roll back');
        }),
      ).rejects.toThrow('roll back');
      expect((await store.messages.findBySid(a!.sid))?.status).toBe('sent');
      expect(await store.messages.history(a!.sid)).toHaveLength(2);
      expect(await store.messages.transitionManySids([], T0, ['sent'])).toEqual(new Set());
    },
  },
  {
    name: 'messages: a transition via other statuses records each on the way, in order',
    async run({ store }) {
      const ac = sid('AC');
      const [a, b] = (
        await store.messages.insertMany([0, 1].map(() => ({ message: message(ac) })))
      ).map((s) => s.message);
      const moved = await store.messages.transitionManySids(
        [
          {
            sid: a!.sid,
            patch: { status: 'undelivered', errorCode: 30003 },
            via: ['sending', 'sent'],
          },
          { sid: b!.sid, patch: { status: 'sent' } },
        ],
        T0 + 5,
        ['queued'],
      );
      expect([...moved].sort()).toEqual([a!.sid, b!.sid].sort());
      expect(await store.messages.history(a!.sid)).toEqual([
        { status: 'queued', errorCode: null, at: a!.dateCreated },
        { status: 'sending', errorCode: null, at: T0 + 5 },
        { status: 'sent', errorCode: null, at: T0 + 5 },
        { status: 'undelivered', errorCode: 30003, at: T0 + 5 },
      ]);
      expect((await store.messages.history(b!.sid)).map((e) => e.status)).toEqual([
        'queued',
        'sent',
      ]);
      // Not moved (no longer queued): no entries at all.
      await store.messages.transitionMany(
        [{ sid: b!.sid, patch: { status: 'delivered' }, via: ['sent'] }],
        T0 + 6,
        ['queued'],
      );
      expect(await store.messages.history(b!.sid)).toHaveLength(2);
    },
  },
  {
    name: 'sim deliveries: recordMany records many at once and returns only the new SIDs',
    async run({ store }) {
      const ac = sid('AC');
      const handset = phone();
      const old = simDelivery(ac, sid('SM'), handset);
      await store.sim.record(old);
      const d2 = simDelivery(ac, sid('SM'), handset, { mediaUrls: ['https://m/1'] });
      const d3 = simDelivery(ac, sid('SM'), handset, { receivedAt: T0 + 1 });
      const fresh = await store.sim.recordMany([{ ...old, body: 'again' }, d2, d3]);
      expect([...fresh].sort()).toEqual([d2.messageSid, d3.messageSid].sort());
      expect(await store.sim.get(old.messageSid)).toEqual(old);
      expect(await store.sim.get(d2.messageSid)).toEqual(d2);
      expect(await store.sim.get(d3.messageSid)).toEqual(d3);
      expect(await store.sim.recordMany([])).toEqual(new Set());
    },
  },
  {
    name: 'webhooks: insertMany keeps the given order; getMany, pendingHeads, completeRounds, recordAttempts',
    async run({ store }) {
      const ac = sid('AC');
      const [ka, kb] = [sid('SM'), sid('SM')];
      const input = [
        webhook(ac, ka),
        webhook(ac, ka, { createdAt: T0 + 1, fallbackUrl: 'https://f', runAt: T0 + 5 }),
        webhook(ac, kb, { method: 'GET' }),
        webhook(ac, ka, { createdAt: T0 + 2 }),
      ];
      const ids = await store.webhooks.insertMany(input);
      expect(ids).toHaveLength(4);
      expect([...ids].sort((x, y) => x - y)).toEqual(ids);
      const stored = (await store.webhooks.getMany([...ids, 999_999_999])).sort(
        (x, y) => x.id - y.id,
      );
      // Ids ascend in the given order: a chain inserted together keeps its order.
      expect(stored.map((w) => [w.orderKey, w.createdAt])).toEqual(
        input.map((w) => [w.orderKey, w.createdAt]),
      );
      expect(stored[1]).toEqual({
        ...input[1],
        fallbackMethod: null,
        id: ids[1],
        status: 'pending',
        attempts: 0,
        runAt: T0 + 5,
        updatedAt: T0 + 1,
      });
      expect(stored[0]?.runAt).toBeNull();
      expect(await store.webhooks.get(ids[2]!)).toEqual(stored[2]);

      const heads = await store.webhooks.pendingHeads([ka, kb, sid('SM'), ka]);
      expect(heads).toEqual(
        new Map([
          [ka, ids[0]],
          [kb, ids[2]],
        ]),
      );
      // The locking form (multi-process stores), inside a transaction.
      expect(
        await store.transaction((tx) => tx.webhooks.pendingHeads([kb, ka], { lock: true })),
      ).toEqual(
        new Map([
          [kb, ids[2]],
          [ka, ids[0]],
        ]),
      );

      // Settled once: a wrong attempt count does not apply.
      const applied = await store.webhooks.completeRounds(
        [
          { id: ids[0]!, expectedAttempts: 0, status: 'delivered' },
          { id: ids[2]!, expectedAttempts: 0, status: 'pending' },
          { id: ids[1]!, expectedAttempts: 1, status: 'failed' },
        ],
        T0 + 5,
      );
      expect([...applied].sort((x, y) => x - y)).toEqual([ids[0], ids[2]]);
      expect(await store.webhooks.get(ids[0]!)).toMatchObject({
        status: 'delivered',
        attempts: 1,
        updatedAt: T0 + 5,
      });
      expect(await store.webhooks.get(ids[2]!)).toMatchObject({ status: 'pending', attempts: 1 });
      expect(await store.webhooks.get(ids[1]!)).toMatchObject({ status: 'pending', attempts: 0 });
      expect(
        await store.webhooks.completeRounds(
          [{ id: ids[0]!, expectedAttempts: 0, status: 'delivered' }],
          T0 + 6,
        ),
      ).toEqual(new Set());
      expect(await store.webhooks.pendingHeads([ka])).toEqual(new Map([[ka, ids[1]]]));

      const attempt = {
        webhookId: ids[0]!,
        accountSid: ac,
        orderKey: ka,
        url: 'https://example.com/cb',
        method: 'POST' as const,
        params: { A: '1', B: ['x', 'y'] },
        responseStatus: 200,
        responseExcerpt: 'ok',
        error: null,
        latencyMs: 3,
        attemptedAt: T0 + 5,
        nextRetryAt: null,
      };
      const timedOut = {
        ...attempt,
        responseStatus: null,
        responseExcerpt: null,
        error: 'timeout',
        nextRetryAt: FAR,
      };
      await store.webhooks.recordAttempts([attempt, timedOut]);
      const logged = await store.webhooks.attemptsForWebhook(ids[0]!);
      expect(logged.map(({ id: _id, ...a }) => a)).toEqual([attempt, timedOut]);

      expect(await store.webhooks.insertMany([])).toEqual([]);
      expect(await store.webhooks.getMany([])).toEqual([]);
      expect(await store.webhooks.pendingHeads([])).toEqual(new Map());
      expect(await store.webhooks.completeRounds([], T0)).toEqual(new Set());
      await store.webhooks.recordAttempts([]);
    },
  },
  {
    name: 'media: bytes round-trip exactly; listed in MediaUrl order, filtered, paged; deleted',
    async run({ store }) {
      const ac = sid('AC');
      const ms = sid('MM');
      const every = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      const files = [
        media(ac, ms, 2, { content: new Uint8Array(every), dateCreated: T0 }),
        media(ac, ms, 0, { content: Buffer.from('GIF89a'), dateCreated: T0, sourceUrl: null }),
        media(ac, ms, 1, { content: Buffer.alloc(0), dateCreated: T0 + 10 }),
      ];
      await store.media.insertMany([]);
      await store.media.insertMany(files);
      const meta = ({ content: _c, ...rest }: NewMedia) => rest;
      const list = (f: { createdFrom?: number; createdTo?: number } = {}, offset = 0, limit = 10) =>
        store.media
          .list({ accountSid: ac, messageSid: ms, ...f }, { limit, offset })
          .then((l) => l.map((m) => m.position));
      expect(await list()).toEqual([0, 2, 1]);
      expect(await list({}, 1, 1)).toEqual([2]);
      expect(await list({ createdFrom: T0 + 1 })).toEqual([1]);
      expect(await list({ createdTo: T0 })).toEqual([0, 2]);
      expect(
        await store.media.list({ accountSid: sid('AC'), messageSid: ms }, { limit: 5, offset: 0 }),
      ).toEqual([]);
      expect(await store.media.get(ac, ms, files[0]!.sid)).toEqual(meta(files[0]!));
      expect(await store.media.get(ac, sid('MM'), files[0]!.sid)).toBeUndefined();
      const got = await store.media.getContent(ac, ms, files[0]!.sid);
      expect(Buffer.isBuffer(got?.content)).toBe(true);
      expect(got?.content.equals(every)).toBe(true);
      expect(got?.media).toEqual(meta(files[0]!));
      expect((await store.media.getContent(ac, ms, files[2]!.sid))?.content.length).toBe(0);
      expect(await store.media.getContent(sid('AC'), ms, files[0]!.sid)).toBeUndefined();
      expect(await store.media.delete(ac, ms, files[1]!.sid)).toBe(true);
      expect(await store.media.delete(ac, ms, files[1]!.sid)).toBe(false);
      expect(await store.media.deleteForMessage(ms)).toBe(2);
      expect(await store.media.deleteForMessage(ms)).toBe(0);
    },
  },
  {
    name: 'media: fill stores bytes only into empty rows; delete takes one off num_media',
    async run({ store }) {
      const ac = sid('AC');
      const m = await store.messages.insert(messageRecord(ac, { sid: sid('MM'), numMedia: 2 }));
      const empty = { content: new Uint8Array(0), contentType: '' };
      const [a, b] = [media(ac, m.sid, 0, empty), media(ac, m.sid, 1, empty)] as const;
      await store.media.insertMany([a, b]);
      expect(await store.media.fill([])).toBe(0);
      const png = Buffer.from('PNG-bytes');
      const fillA = {
        sid: a.sid,
        contentType: 'image/png',
        size: 9,
        content: png,
        dateUpdated: T0 + 5,
      };
      expect(await store.media.fill([fillA])).toBe(1);
      // Already filled: a second worker's fill changes nothing.
      expect(await store.media.fill([{ ...fillA, content: Buffer.from('other') }])).toBe(0);
      const got = await store.media.getContent(ac, m.sid, a.sid);
      expect(got?.content.equals(png)).toBe(true);
      expect(got?.media).toMatchObject({ contentType: 'image/png', size: 9, dateUpdated: T0 + 5 });
      expect((await store.media.get(ac, m.sid, b.sid))?.size).toBe(0);

      expect(await store.media.delete(ac, m.sid, b.sid)).toBe(true);
      expect((await store.messages.get(ac, m.sid))?.numMedia).toBe(1);
      expect(await store.media.delete(ac, m.sid, b.sid)).toBe(false);
      expect(await store.media.delete(sid('AC'), m.sid, a.sid)).toBe(false);
      expect((await store.messages.get(ac, m.sid))?.numMedia).toBe(1);
      // Concurrent deletes of one message's media: each takes exactly one off.
      const three = await store.messages.insert(messageRecord(ac, { sid: sid('MM'), numMedia: 3 }));
      const files = [0, 1, 2].map((i) => media(ac, three.sid, i));
      await store.media.insertMany(files);
      await Promise.all(files.map((f) => store.media.delete(ac, three.sid, f.sid)));
      expect((await store.messages.get(ac, three.sid))?.numMedia).toBe(0);
    },
  },
  {
    name: 'feedback: upsert creates, then updates keeping dateCreated',
    async run({ store }) {
      const ac = sid('AC');
      const ms = sid('SM');
      expect(await store.feedback.get(ms)).toBeUndefined();
      const created = await store.feedback.upsert({
        messageSid: ms,
        accountSid: ac,
        outcome: 'unconfirmed',
        dateCreated: T0,
        dateUpdated: T0,
      });
      expect(created).toEqual({
        messageSid: ms,
        accountSid: ac,
        outcome: 'unconfirmed',
        dateCreated: T0,
        dateUpdated: T0,
      });
      const updated = await store.feedback.upsert({
        ...created,
        outcome: 'confirmed',
        dateCreated: T0 + 9,
        dateUpdated: T0 + 9,
      });
      expect(updated).toEqual({ ...created, outcome: 'confirmed', dateUpdated: T0 + 9 });
      expect(await store.feedback.get(ms)).toEqual(updated);
    },
  },
  {
    name: 'settings: get, set, overwrite',
    async run({ store }) {
      const key = `key-${hex()}`;
      expect(await store.settings.get(key)).toBeUndefined();
      await store.settings.set(key, 'one');
      await store.settings.set(key, 'two');
      expect(await store.settings.get(key)).toBe('two');
    },
  },
  {
    name: 'messaging services: CRUD, scoped to the account, paged',
    async run({ store }) {
      const ac = sid('AC');
      const s = [1, 0, 2].map((i) => service(ac, { friendlyName: `s${i}`, dateCreated: T0 + i }));
      for (const x of s) await store.services.insert(x);
      expect(await store.services.get(ac, s[0]!.sid)).toEqual(s[0]);
      expect(await store.services.get(sid('AC'), s[0]!.sid)).toBeUndefined();
      expect(await store.services.findBySid(s[0]!.sid)).toEqual(s[0]);
      expect(await store.services.findBySid(sid('MG'))).toBeUndefined();
      const listed = await store.services.list(ac, { limit: 2, offset: 0 });
      expect(listed.map((x) => x.friendlyName)).toEqual(['s0', 's1']);
      expect(
        (await store.services.list(ac, { limit: 2, offset: 2 })).map((x) => x.friendlyName),
      ).toEqual(['s2']);
      const changed: MessagingService = {
        ...s[0]!,
        friendlyName: 'changed',
        config: {
          ...s[0]!.config,
          stickySender: false,
          validityPeriod: 600,
          inboundRequestUrl: 'https://in',
        },
        dateCreated: 1, // ignored: an update never rewrites the creation time
        dateUpdated: T0 + 50,
      };
      await store.services.update(changed);
      expect(await store.services.get(ac, s[0]!.sid)).toEqual({
        ...changed,
        dateCreated: s[0]!.dateCreated,
      });
      expect(await store.services.delete(sid('AC'), s[0]!.sid)).toBe(false);
      expect(await store.services.delete(ac, s[0]!.sid)).toBe(true);
      expect(await store.services.get(ac, s[0]!.sid)).toBeUndefined();
      expect(await store.services.delete(ac, s[0]!.sid)).toBe(false);
    },
  },
  {
    name: 'messaging services: sender pools, sticky senders, unlinking and deletion cascade',
    async run({ store }) {
      const ac = sid('AC');
      const svc = service(ac);
      const other = service(ac);
      await store.services.insert(svc);
      await store.services.insert(other);
      const smsOnly = {
        ...defaultConfig(),
        capabilities: { voice: false, sms: true, mms: false, fax: false },
      };
      const n = [
        phoneNumber(ac, { phoneNumber: `+1415${digits(7)}`, config: smsOnly }),
        phoneNumber(ac, { phoneNumber: `+1212${digits(7)}` }),
        phoneNumber(ac, { phoneNumber: `+1646${digits(7)}` }),
      ];
      for (const x of n) await store.phoneNumbers.insert(x);
      const link = (serviceSid: string, p: PhoneNumber, at = T0) =>
        store.services.addPhoneNumber({
          serviceSid,
          phoneNumberSid: p.sid,
          accountSid: ac,
          phoneNumber: p.phoneNumber,
          dateCreated: at,
        });
      expect(await link(svc.sid, n[0]!, T0 + 2)).toBe('added');
      expect(await link(svc.sid, n[1]!, T0 + 1)).toBe('added');
      expect(await link(svc.sid, n[2]!, T0 + 3)).toBe('added');
      expect(await link(svc.sid, n[0]!)).toBe('already_in_service');
      expect(await link(other.sid, n[0]!)).toBe('in_other_service');

      expect(await store.services.getPhoneNumber(svc.sid, n[0]!.sid)).toEqual({
        serviceSid: svc.sid,
        phoneNumberSid: n[0]!.sid,
        accountSid: ac,
        phoneNumber: n[0]!.phoneNumber,
        capabilities: ['SMS'],
        dateCreated: T0 + 2,
      });
      expect((await store.services.getPhoneNumber(svc.sid, n[1]!.sid))?.capabilities).toEqual([
        'MMS',
        'SMS',
        'Voice',
      ]);
      expect(await store.services.getPhoneNumber(other.sid, n[0]!.sid)).toBeUndefined();
      const listed = await store.services.listPhoneNumbers(svc.sid, { limit: 10, offset: 0 });
      expect(listed.map((l) => l.phoneNumberSid)).toEqual([n[1]!.sid, n[0]!.sid, n[2]!.sid]);
      expect(
        (await store.services.listPhoneNumbers(svc.sid, { limit: 1, offset: 1 })).map(
          (l) => l.phoneNumberSid,
        ),
      ).toEqual([n[0]!.sid]);
      // The pool is ordered by phone number.
      const pool = await store.services.pool(svc.sid);
      expect(pool.map((l) => l.phoneNumber)).toEqual(n.map((x) => x.phoneNumber).sort());
      expect(await store.services.findByPhoneNumber(n[2]!.sid)).toEqual(svc);
      expect(await store.services.findByPhoneNumber(sid('PN'))).toBeUndefined();

      const to = phone();
      expect(await store.services.getStickySender(svc.sid, to)).toBeUndefined();
      await store.services.setStickySender(svc.sid, to, n[1]!.phoneNumber);
      await store.services.setStickySender(svc.sid, to, n[0]!.phoneNumber);
      expect(await store.services.getStickySender(svc.sid, to)).toBe(n[0]!.phoneNumber);
      // Removing a number forgets it as anyone's sticky sender.
      expect(await store.services.removePhoneNumber(svc.sid, n[0]!.sid)).toBe(true);
      expect(await store.services.removePhoneNumber(svc.sid, n[0]!.sid)).toBe(false);
      expect(await store.services.getStickySender(svc.sid, to)).toBeUndefined();
      expect(await link(other.sid, n[0]!)).toBe('added');

      // A number released from the account disappears from the pool even before unlinking.
      await store.phoneNumbers.delete(ac, n[2]!.sid);
      expect((await store.services.pool(svc.sid)).map((l) => l.phoneNumberSid)).toEqual([
        n[1]!.sid,
      ]);
      await store.services.unlinkPhoneNumber(n[2]!.sid);
      await store.services.unlinkPhoneNumber(sid('PN'));
      expect(await store.services.findByPhoneNumber(n[2]!.sid)).toBeUndefined();

      // Deleting a service frees its numbers and drops its sticky senders.
      await store.services.setStickySender(svc.sid, to, n[1]!.phoneNumber);
      expect(await store.services.delete(ac, svc.sid)).toBe(true);
      expect(await store.services.findByPhoneNumber(n[1]!.sid)).toBeUndefined();
      expect(await store.services.getStickySender(svc.sid, to)).toBeUndefined();
      expect(await link(other.sid, n[1]!)).toBe('added');
    },
  },
  {
    name: 'applications: CRUD, friendly-name filter, paging',
    async run({ store }) {
      const ac = sid('AC');
      const apps = [2, 0, 1].map((i) =>
        application(ac, { friendlyName: i === 1 ? 'pick' : `a${i}`, dateCreated: T0 + i }),
      );
      for (const a of apps) await store.applications.insert(a);
      expect(await store.applications.get(ac, apps[0]!.sid)).toEqual(apps[0]);
      expect(await store.applications.get(sid('AC'), apps[0]!.sid)).toBeUndefined();
      expect(await store.applications.findBySid(apps[1]!.sid)).toEqual(apps[1]);
      const list = (f: { friendlyName?: string }, offset = 0, limit = 10) =>
        store.applications
          .list(ac, f, { limit, offset })
          .then((l) => l.map((a) => a.dateCreated - T0));
      expect(await list({})).toEqual([0, 1, 2]);
      expect(await list({}, 1, 1)).toEqual([1]);
      expect(await list({ friendlyName: 'pick' })).toEqual([1]);
      expect(await list({ friendlyName: 'PICK' })).toEqual([]);
      const changed: Application = {
        ...apps[0]!,
        friendlyName: 'new',
        config: { ...apps[0]!.config, smsUrl: 'https://sms', voiceCallerIdLookup: true },
        dateUpdated: T0 + 9,
      };
      await store.applications.update(changed);
      expect(await store.applications.get(ac, apps[0]!.sid)).toEqual(changed);
      expect(await store.applications.delete(sid('AC'), apps[0]!.sid)).toBe(false);
      expect(await store.applications.delete(ac, apps[0]!.sid)).toBe(true);
      expect(await store.applications.findBySid(apps[0]!.sid)).toBeUndefined();
    },
  },
  {
    name: 'opt-outs: block once, check across scopes, list newest first, unblock; reply texts',
    async run({ store }) {
      const ac = sid('AC');
      const num = phone();
      const mg = sid('MG');
      const handset = phone();
      const entry = { accountSid: ac, scopeKey: num, recipient: handset, createdAt: T0 };
      expect(await store.optOuts.block(entry)).toBe(true);
      expect(await store.optOuts.block({ ...entry, createdAt: T0 + 5 })).toBe(false);
      await store.optOuts.block({ ...entry, scopeKey: mg, createdAt: T0 + 1 });
      await store.optOuts.block({ ...entry, recipient: phone(), createdAt: T0 + 2 });
      expect(await store.optOuts.isBlocked([], handset)).toBe(false);
      expect(await store.optOuts.isBlocked([num], handset)).toBe(true);
      expect(await store.optOuts.isBlocked([phone(), mg], handset)).toBe(true);
      expect(await store.optOuts.isBlocked([num], phone())).toBe(false);
      const list = await store.optOuts.list(ac, {}, { limit: 10, offset: 0 });
      expect(list.map((o) => o.createdAt - T0)).toEqual([2, 1, 0]);
      expect(list[2]).toEqual(entry);
      expect(
        (
          await store.optOuts.list(
            ac,
            { scopeKey: num, recipient: handset },
            { limit: 10, offset: 0 },
          )
        ).length,
      ).toBe(1);
      expect(
        (await store.optOuts.list(ac, {}, { limit: 1, offset: 1 })).map((o) => o.scopeKey),
      ).toEqual([mg]);
      expect(await store.optOuts.unblock(num, handset)).toBe(true);
      expect(await store.optOuts.unblock(num, handset)).toBe(false);
      expect(await store.optOuts.isBlocked([num], handset)).toBe(false);

      expect(await store.optOuts.getReplies(num)).toBeUndefined();
      const replies = {
        scopeKey: num,
        accountSid: ac,
        stopReply: 'bye',
        startReply: null,
        helpReply: 'help?',
      };
      await store.optOuts.setReplies(replies);
      expect(await store.optOuts.getReplies(num)).toEqual(replies);
      await store.optOuts.setReplies({ ...replies, stopReply: null, startReply: 'hi' });
      expect(await store.optOuts.getReplies(num)).toEqual({
        ...replies,
        stopReply: null,
        startReply: 'hi',
      });
    },
  },
  {
    name: 'idempotency keys: claim stores new and expired keys only; get skips expired; expire',
    async run({ store }) {
      const ac = sid('AC');
      const key = (k: string, over: Partial<IdempotencyKey> = {}): IdempotencyKey => ({
        accountSid: ac,
        key: k,
        fingerprint: 'f1',
        messageSid: sid('SM'),
        createdAt: T0,
        ...over,
      });
      const a = key('a');
      const b = key('b', { fingerprint: null });
      expect(await store.idempotencyKeys.claim([a, b], T0 - 1)).toEqual(
        new Set([a.messageSid, b.messageSid]),
      );
      expect(await store.idempotencyKeys.get(ac, 'a', T0)).toEqual(a);
      expect(await store.idempotencyKeys.get(ac, 'b', T0)).toEqual(b);
      // Scoped per account; an expired record is not found.
      expect(await store.idempotencyKeys.get(sid('AC'), 'a', T0)).toBeUndefined();
      expect(await store.idempotencyKeys.get(ac, 'a', T0 + 1)).toBeUndefined();
      // A live key is kept against a second claim; an expired one is replaced.
      const again = key('a', { messageSid: sid('SM'), createdAt: T0 + 10 });
      const fresh = key('c', { createdAt: T0 + 10 });
      expect(await store.idempotencyKeys.claim([again, fresh], T0)).toEqual(
        new Set([fresh.messageSid]),
      );
      expect((await store.idempotencyKeys.get(ac, 'a', T0))?.messageSid).toBe(a.messageSid);
      expect(await store.idempotencyKeys.claim([again], T0 + 1)).toEqual(
        new Set([again.messageSid]),
      );
      expect(await store.idempotencyKeys.get(ac, 'a', T0)).toEqual(again);
      // Expiry deletes records older than the cutoff, at most `limit` per call.
      const before = T0 + 5;
      const expired = async () => {
        let n = 0;
        for (let k = 1; k > 0; n += k) k = await store.idempotencyKeys.expire(before, 1);
        return n;
      };
      expect(await expired()).toBeGreaterThanOrEqual(1);
      expect(await store.idempotencyKeys.get(ac, 'b', 0)).toBeUndefined();
      expect(await store.idempotencyKeys.get(ac, 'a', 0)).toEqual(again);
      expect(await store.idempotencyKeys.get(ac, 'c', 0)).toEqual(fresh);
    },
  },
  {
    name: 'idempotency keys: of concurrent claims of one key, in transactions, exactly one wins',
    async run({ store, peer }) {
      const ac = sid('AC');
      // A second connection's transaction where writers run concurrently (PostgreSQL); one
      // SQLite process writes through one connection (a second one in the same process would
      // block the event loop on the file lock the first holds across awaits).
      const second = store.capabilities.writers > 1 ? (peer ?? store) : store;
      const claims = Array.from({ length: 8 }, (_, i) => ({
        accountSid: ac,
        key: 'same',
        fingerprint: 'f',
        messageSid: sid('SM'),
        createdAt: T0 + i,
      }));
      const won = await Promise.all(
        claims.map((c, i) =>
          (i % 2 ? second : store).transaction((tx) => tx.idempotencyKeys.claim([c], 0)),
        ),
      );
      const winners = claims.filter((c, i) => won[i]!.has(c.messageSid));
      expect(winners).toHaveLength(1);
      expect((await store.idempotencyKeys.get(ac, 'same', 0))?.messageSid).toBe(
        winners[0]!.messageSid,
      );
    },
  },
  {
    name: 'carrier parts: recorded in part order; a receipt applies once; one ahead of its part waits for it',
    async run({ store }) {
      const carrier = `c-${hex()}`;
      const msid = sid('SM');
      const parts = await store.carrierParts.record(
        [
          { carrier, messageId: 'b1', messageSid: msid, part: 1 },
          { carrier, messageId: 'a0', messageSid: msid, part: 0 },
        ],
        T0,
      );
      expect(parts.map((p) => [p.part, p.messageId, p.status])).toEqual([
        [0, 'a0', 'sent'],
        [1, 'b1', 'sent'],
      ]);
      const outcome = (messageId: string, status: 'delivered' | 'undelivered') => ({
        carrier,
        messageId,
        status,
        errorCode: status === 'delivered' ? null : 30003,
        errorMessage: status === 'delivered' ? null : 'Unreachable destination handset',
        doneAt: T0 + 5,
      });
      expect(await store.carrierParts.receipt(outcome('a0', 'delivered'), T0 + 10)).toMatchObject({
        messageSid: msid,
        part: 0,
        status: 'delivered',
        doneAt: T0 + 5,
      });
      // A duplicate (or a later contradicting) receipt changes nothing.
      expect(
        await store.carrierParts.receipt(outcome('a0', 'undelivered'), T0 + 11),
      ).toBeUndefined();
      expect((await store.carrierParts.forMessage(msid)).map((p) => p.status)).toEqual([
        'delivered',
        'sent',
      ]);

      // Ahead of its part: kept without a message, then adopted by the part.
      const early = await store.carrierParts.receipt(outcome('c0', 'undelivered'), T0 + 12);
      expect(early).toMatchObject({ messageSid: null, status: 'undelivered' });
      const other = sid('SM');
      const [adopted] = await store.carrierParts.record(
        [{ carrier, messageId: 'c0', messageSid: other, part: 0 }],
        T0 + 13,
      );
      expect(adopted).toMatchObject({ messageSid: other, status: 'undelivered', errorCode: 30003 });
      // An id reused by the SMSC for another message starts afresh.
      const reused = sid('SM');
      const [fresh] = await store.carrierParts.record(
        [{ carrier, messageId: 'c0', messageSid: reused, part: 0 }],
        T0 + 14,
      );
      expect(fresh).toMatchObject({ messageSid: reused, status: 'sent', errorCode: null });

      // Receipts that never met a part expire; parts do not.
      await store.carrierParts.receipt(outcome('zz', 'delivered'), T0 + 15);
      expect(await store.carrierParts.expireUnmatched(T0 + 16, 100)).toBe(1);
      expect(await store.carrierParts.forMessage(msid)).toHaveLength(2);
    },
  },
];

function media(
  accountSid: string,
  messageSid: string,
  position: number,
  over: Partial<NewMedia> = {},
): NewMedia {
  const content = over.content ?? Buffer.from(`file-${position}`);
  return {
    sid: sid('ME'),
    accountSid,
    messageSid,
    position,
    contentType: 'image/gif',
    size: content.length,
    sourceUrl: `https://example.com/${position}.gif`,
    dateCreated: T0,
    dateUpdated: T0,
    ...over,
    content,
  };
}

function simDelivery(
  accountSid: string,
  messageSid: string,
  handset: string,
  over: Partial<Parameters<Store['sim']['record']>[0]> = {},
): Parameters<Store['sim']['record']>[0] {
  return {
    messageSid,
    direction: 'to-handset',
    accountSid,
    handset,
    from: '+14155550100',
    body: 'hi',
    mediaUrls: [],
    numSegments: 1,
    carrierRef: hex(),
    outcome: { status: 'delivered' },
    receivedAt: T0,
    ...over,
  };
}
