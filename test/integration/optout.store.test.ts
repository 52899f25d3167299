import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { accountsService } from '../../src/accounts/accounts.service.js';
import { ManualClock } from '../../src/clock.js';
import { sequentialIds } from '../../src/ids.js';
import { DEFAULT_REPLIES } from '../../src/optout/optout.keywords.js';
import {
  applyOptOut,
  isBlocked,
  senderScopes,
  type OptOutInbound,
} from '../../src/optout/optout.service.js';
import { phoneNumbersService } from '../../src/phone-numbers/phone-numbers.service.js';
import { messagingServicesService } from '../../src/messaging-services/messaging-services.service.js';
import type { Account } from '../../src/store/records.js';
import type { Store } from '../../src/store/store.js';
import { openTestStore } from '../support/stores.js';

// Opt-out handling over a real in-memory store: keywords block and unblock the (scope, handset)
// pair, the scope being the number or, for a number in a Messaging Service, the whole service.
const AC = 'AC' + 'c3'.repeat(16);
const NUMBER = '+14155553001';
const POOLED_A = '+14155553002';
const POOLED_B = '+14155553003';
const HANDSET = '+14155550177';
const OTHER_HANDSET = '+14155550178';

let store: Store;
let account: Account;
let serviceSid: string;
const clock = new ManualClock(Date.UTC(2025, 2, 1));

beforeEach(async () => {
  store = await openTestStore();
  const deps = { store, clock, ids: sequentialIds() };
  account = (await accountsService(deps).ensureMain({ sid: AC, authToken: 'd4'.repeat(16) }))
    .account;
  const numbers = phoneNumbersService(deps);
  const services = messagingServicesService(deps);
  await numbers.create(account, { PhoneNumber: NUMBER });
  serviceSid = (await services.create(account, { FriendlyName: 'pool' })).sid;
  for (const n of [POOLED_A, POOLED_B]) {
    const pn = await numbers.create(account, { PhoneNumber: n });
    await services.addPhoneNumber(account, serviceSid, '/x', { PhoneNumberSid: pn.sid });
  }
});
afterEach(() => store.close());

const inbound = (body: string, over: Partial<OptOutInbound> = {}): OptOutInbound => ({
  accountSid: AC,
  from: HANDSET,
  to: NUMBER,
  messagingServiceSid: null,
  body,
  ...over,
});

const blocked = (from: string | null, messagingServiceSid: string | null, to = HANDSET) =>
  isBlocked(store, { accountSid: AC, from, messagingServiceSid, to });

describe('applyOptOut on a plain number', () => {
  it('STOP blocks the (number, handset) pair and answers with the default confirmation', async () => {
    const r = await applyOptOut(store, inbound(' stop '), clock.now());
    expect(r).toEqual({ type: 'STOP', reply: DEFAULT_REPLIES.STOP });
    expect(await store.optOuts.isBlocked([NUMBER], HANDSET)).toBe(true);
    expect(await blocked(NUMBER, null)).toBe(true);
    // Only that pair: another sender, another handset, the service are unaffected.
    expect(await blocked(POOLED_A, null)).toBe(false);
    expect(await blocked(NUMBER, null, OTHER_HANDSET)).toBe(false);
    expect(await blocked(null, serviceSid)).toBe(false);
    const list = await store.optOuts.list(AC, {}, { limit: 10, offset: 0 });
    expect(list).toEqual([
      { accountSid: AC, scopeKey: NUMBER, recipient: HANDSET, createdAt: clock.now() },
    ]);
  });

  it('START unblocks; HELP only answers', async () => {
    await applyOptOut(store, inbound('UNSUBSCRIBE'), clock.now());
    const help = await applyOptOut(store, inbound('info'), clock.now());
    expect(help).toEqual({ type: 'HELP', reply: DEFAULT_REPLIES.HELP });
    expect(await blocked(NUMBER, null)).toBe(true);
    const start = await applyOptOut(store, inbound('Yes'), clock.now());
    expect(start).toEqual({ type: 'START', reply: DEFAULT_REPLIES.START });
    expect(await blocked(NUMBER, null)).toBe(false);
    expect(await store.optOuts.list(AC, {}, { limit: 10, offset: 0 })).toEqual([]);
  });

  it('a repeated STOP keeps the first block time', async () => {
    const first = clock.now();
    await applyOptOut(store, inbound('STOP'), first);
    expect(
      await store.optOuts.block({
        accountSid: AC,
        scopeKey: NUMBER,
        recipient: HANDSET,
        createdAt: first + 5,
      }),
    ).toBe(false);
    await applyOptOut(store, inbound('END'), first + 10);
    const [only, ...rest] = await store.optOuts.list(AC, {}, { limit: 10, offset: 0 });
    expect(rest).toEqual([]);
    expect(only?.createdAt).toBe(first);
  });

  it('an ordinary message changes nothing', async () => {
    expect(await applyOptOut(store, inbound('STOP PLEASE'), clock.now())).toEqual({
      type: null,
      reply: null,
    });
    expect(await blocked(NUMBER, null)).toBe(false);
  });

  it('a standalone short code gets no default handling', async () => {
    const r = await applyOptOut(store, inbound('STOP', { to: '55501' }), clock.now());
    expect(r).toEqual({ type: null, reply: null });
    expect(await store.optOuts.isBlocked(['55501'], HANDSET)).toBe(false);
  });

  it('uses the custom reply texts of the number, per keyword', async () => {
    await store.optOuts.setReplies({
      scopeKey: NUMBER,
      accountSid: AC,
      stopReply: 'Bye from Acme.',
      startReply: null,
      helpReply: 'Acme help: acme.test',
    });
    expect((await applyOptOut(store, inbound('STOP'), clock.now())).reply).toBe('Bye from Acme.');
    expect((await applyOptOut(store, inbound('START'), clock.now())).reply).toBe(
      DEFAULT_REPLIES.START,
    );
    expect((await applyOptOut(store, inbound('HELP'), clock.now())).reply).toBe(
      'Acme help: acme.test',
    );
    // Another number keeps the defaults.
    const other = await applyOptOut(store, inbound('STOP', { to: POOLED_A }), clock.now());
    expect(other.reply).toBe(DEFAULT_REPLIES.STOP);
  });
});

describe('applyOptOut on a number in a Messaging Service', () => {
  it('STOP to one pool number blocks the whole service, START to another lifts it', async () => {
    const stop = inbound('STOP', { to: POOLED_A, messagingServiceSid: serviceSid });
    expect((await applyOptOut(store, stop, clock.now())).type).toBe('STOP');
    expect(await store.optOuts.isBlocked([serviceSid], HANDSET)).toBe(true);
    expect(await store.optOuts.isBlocked([POOLED_A], HANDSET)).toBe(false);
    // Every sender of the service is blocked: the service itself and each pool number as From.
    expect(await blocked(null, serviceSid)).toBe(true);
    expect(await blocked(POOLED_A, null)).toBe(true);
    expect(await blocked(POOLED_B, null)).toBe(true);
    // A number outside the service is not.
    expect(await blocked(NUMBER, null)).toBe(false);
    const [row] = await store.optOuts.list(AC, { scopeKey: serviceSid }, { limit: 10, offset: 0 });
    expect(row?.recipient).toBe(HANDSET);

    const start = inbound('unstop', { to: POOLED_B, messagingServiceSid: serviceSid });
    expect((await applyOptOut(store, start, clock.now())).type).toBe('START');
    expect(await blocked(POOLED_A, null)).toBe(false);
    expect(await blocked(null, serviceSid)).toBe(false);
  });

  it("uses the service's reply texts", async () => {
    await store.optOuts.setReplies({
      scopeKey: serviceSid,
      accountSid: AC,
      stopReply: 'Service bye.',
      startReply: null,
      helpReply: null,
    });
    const r = await applyOptOut(
      store,
      inbound('QUIT', { to: POOLED_B, messagingServiceSid: serviceSid }),
      clock.now(),
    );
    expect(r.reply).toBe('Service bye.');
  });

  it('a short code inside a service is handled', async () => {
    const r = await applyOptOut(
      store,
      inbound('STOP', { to: '55501', messagingServiceSid: serviceSid }),
      clock.now(),
    );
    expect(r.type).toBe('STOP');
    expect(await blocked(null, serviceSid)).toBe(true);
  });
});

describe('senderScopes', () => {
  it('lists the From and the service, skipping what is absent', () => {
    expect(senderScopes({ from: NUMBER, messagingServiceSid: null })).toEqual([NUMBER]);
    expect(senderScopes({ from: null, messagingServiceSid: serviceSid })).toEqual([serviceSid]);
    expect(senderScopes({ from: NUMBER, messagingServiceSid: serviceSid })).toEqual([
      NUMBER,
      serviceSid,
    ]);
    expect(senderScopes({ from: null, messagingServiceSid: null })).toEqual([]);
  });

  it('isBlocked with no scopes is false', async () => {
    await applyOptOut(store, inbound('STOP'), clock.now());
    expect(await store.optOuts.isBlocked([], HANDSET)).toBe(false);
    expect(await blocked(null, null)).toBe(false);
  });
});
