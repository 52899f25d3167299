import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  advanceMany,
  type AdvanceItem,
  type CallbackExtras,
  type StatusCallbacks,
} from '../../src/delivery/lifecycle.js';
import type { Message } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { messageRecord } from '../support/records.js';

// advanceMany with a second move (`then`): one update, both history entries, both callbacks,
// every first move's callback before any second's.
const ACCOUNT = 'AC' + 'a7'.repeat(16);
const NOW = Date.UTC(2025, 6, 1, 12);

let store: Store;
beforeAll(async () => {
  store = await openSqliteStore({ path: ':memory:' });
});
afterAll(() => store.close());

/** Callbacks that record what they were asked to queue, in order. */
function recorder() {
  const seen: { sid: string; status: string; extras?: CallbackExtras }[] = [];
  const note = (m: Message, extras?: CallbackExtras) =>
    seen.push({ sid: m.sid, status: m.status, ...(extras && { extras }) });
  const callbacks: StatusCallbacks = Object.assign(
    (_tx: Store, m: Message, _now: number, extras?: CallbackExtras) => {
      note(m, extras);
      return Promise.resolve();
    },
    {
      many: (_tx: Store, items: ReadonlyArray<{ message: Message; extras?: CallbackExtras }>) => {
        for (const i of items) note(i.message, i.extras);
        return Promise.resolve();
      },
    },
  );
  return { callbacks, seen };
}

const sending = async () => {
  const [s] = await store.messages.insertMany([
    { message: messageRecord(ACCOUNT, { status: 'sending' }) },
  ]);
  return s?.message as Message;
};

it('folds a second move into the same update, with its history entry and callback after all firsts', async () => {
  const [a, b, c] = [await sending(), await sending(), await sending()] as Message[];
  const { callbacks, seen } = recorder();
  const sent = { status: 'sent' as const, dateSent: NOW, price: '-0.0079', carrierRef: 'R' };
  const done = { rawDlrDoneDate: '2507011200' };
  const items: AdvanceItem[] = [
    {
      sid: a!.sid,
      message: a,
      patch: sent,
      then: { patch: { status: 'delivered' }, extras: done },
    },
    { sid: b!.sid, message: b, patch: sent },
    {
      sid: c!.sid,
      message: c,
      patch: sent,
      then: { patch: { status: 'undelivered', errorCode: 30003, errorMessage: 'Unreachable' } },
    },
  ];
  const moved = await store.transaction((tx) =>
    advanceMany(tx, callbacks, items, NOW, ['sending']),
  );
  expect([...moved.values()].map((m) => [m.sid, m.status])).toEqual([
    [a!.sid, 'delivered'],
    [b!.sid, 'sent'],
    [c!.sid, 'undelivered'],
  ]);
  expect(seen).toEqual([
    { sid: a!.sid, status: 'sent' },
    { sid: b!.sid, status: 'sent' },
    { sid: c!.sid, status: 'sent' },
    { sid: a!.sid, status: 'delivered', extras: done },
    { sid: c!.sid, status: 'undelivered' },
  ]);
  // What was written is what the two moves would have left, and what advanceMany returned.
  const stored = await store.messages.findBySid(c!.sid);
  expect(stored).toEqual(moved.get(c!.sid));
  expect(stored).toMatchObject({
    status: 'undelivered',
    errorCode: 30003,
    errorMessage: 'Unreachable',
    dateSent: NOW,
    price: '-0.0079',
    carrierRef: 'R',
  });
  expect(await store.messages.history(c!.sid)).toEqual([
    { status: 'sending', errorCode: null, at: c!.dateCreated },
    { status: 'sent', errorCode: null, at: NOW },
    { status: 'undelivered', errorCode: 30003, at: NOW },
  ]);
});

it('refuses a second move without the message or without statuses', async () => {
  const m = await sending();
  const { callbacks } = recorder();
  const run = (item: AdvanceItem) =>
    store.transaction((tx) => advanceMany(tx, callbacks, [item], NOW, ['sending']));
  await expect(
    run({ sid: m.sid, patch: { status: 'sent' }, then: { patch: { status: 'delivered' } } }),
  ).rejects.toThrow('needs `message`');
  await expect(
    run({ sid: m.sid, message: m, patch: { status: 'sent' }, then: { patch: {} } }),
  ).rejects.toThrow('need a status');
  expect((await store.messages.findBySid(m.sid))?.status).toBe('sending');
});
