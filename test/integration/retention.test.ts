import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaServer, type MediaServer } from '../support/media-server.js';
import { MAIN_SID, ManualClock, startTestServer, type TestServer } from '../support/server.js';

// Retention: per-account maximum count and age, finished messages only, media included.
let t: TestServer;
let media: MediaServer;
const clock = new ManualClock(Date.UTC(2025, 3, 1));
const FROM = '+14155552345';

beforeAll(async () => {
  media = await startMediaServer();
  t = await startTestServer({
    clock,
    env: { RETENTION_MAX_COUNT: '3', RETENTION_MAX_AGE: '1d', RETENTION_INTERVAL: '60s' },
  });
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t.close();
  await media.close();
});

const all = async () => (await t.client.messages.list({ pageSize: 1000 })).map((m) => m.body);

describe('retention', () => {
  it('keeps the newest N per account, never in-flight ones, and takes media with them', async () => {
    const first = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      mediaUrl: [`${media.base}/image.png`],
    });
    for (let i = 1; i <= 4; i++)
      await t.client.messages.create({ from: FROM, to: '+14155550100', body: `m${i}` });
    await t.runDue(); // dispatch + deliver everything
    expect(
      (
        await t.server.store.media.list(
          { accountSid: MAIN_SID, messageSid: first.sid },
          { limit: 10, offset: 0 },
        )
      ).length,
    ).toBe(1);
    // A queued message is in flight: never pruned even when beyond the limit.
    await t.http('POST', `/2010-04-01/Accounts/${MAIN_SID}/Messages.json`, {
      From: FROM,
      To: '+14155550100',
      Body: 'queued',
    });
    clock.advance(60_000);
    await t.runDue();
    const bodies = await all();
    expect(bodies).toContain('queued');
    expect(bodies).not.toContain('m1');
    expect(bodies.length).toBeLessThanOrEqual(4);
    expect(
      (
        await t.server.store.media.list(
          { accountSid: MAIN_SID, messageSid: first.sid },
          { limit: 10, offset: 0 },
        )
      ).length,
    ).toBe(0);
  });

  it('deletes finished messages older than the maximum age; never one still in flight', async () => {
    // A message still queued (no dispatch job, so it stays that way) is in flight.
    const sample = (
      await t.server.store.messages.list(
        { accountSid: MAIN_SID, tags: [] },
        { limit: 1, direction: 'after' },
      )
    )[0]!;
    await t.server.store.messages.insert({
      ...sample,
      sid: 'SM' + 'f0'.repeat(16),
      status: 'queued',
      body: 'queued',
      dateCreated: clock.now() - 10 * 86_400_000,
    });
    clock.advance(2 * 86_400_000);
    await t.runDue();
    const remaining = await all();
    expect(remaining).toEqual(['queued']);
  });
});
