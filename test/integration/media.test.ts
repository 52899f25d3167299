import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { randomIds } from '../../src/ids.js';
import { prepareMedia } from '../../src/media/media.fetch.js';
import type { MediaRecord } from '../../src/store/store.js';
import { JPEG, PNG, startMediaServer, type MediaServer } from '../support/media-server.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
} from '../support/server.js';

let t: TestServer;
let files: MediaServer;
const FROM = '+14155552345';
const TO = '+14155550100';

beforeAll(async () => {
  [t, files] = await Promise.all([startTestServer(), startMediaServer()]);
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t.close();
  await files.close();
});

/** Creates an MMS through the API, then runs prepareMedia on it as the pipeline would. */
async function mms(paths: string[]): Promise<{ sid: string; media: MediaRecord[] }> {
  const created = await t.client.messages.create({
    from: FROM,
    to: TO,
    body: 'look',
    mediaUrl: paths.map((p) => files.base + p),
  });
  expect(created.sid).toMatch(/^MM[0-9a-f]{32}$/);
  const message = await t.server.store.messages.get(MAIN_SID, created.sid);
  if (!message) throw new Error('message not stored');
  const r = await prepareMedia(
    { store: t.server.store, clock: systemClock, ids: randomIds() },
    message,
  );
  if (!r.ok) throw new Error(`prepareMedia failed: ${r.errorCode} ${r.errorMessage}`);
  return { sid: created.sid, media: r.media };
}

const mediaPath = (messageSid: string, mediaSid: string) =>
  `/2010-04-01/Accounts/${MAIN_SID}/Messages/${messageSid}/Media/${mediaSid}`;

/** Raw GET of a content URL (binary-safe, unlike `t.http`). */
async function content(path: string, auth: string | null = basic(MAIN_SID, MAIN_TOKEN)) {
  const res = await fetch(t.url + path, { headers: auth === null ? {} : { authorization: auth } });
  return { res, bytes: Buffer.from(await res.arrayBuffer()) };
}

describe('Media subresource', () => {
  it('lists a message’s media in MediaUrl order through the SDK', async () => {
    const { sid, media } = await mms(['/photo.jpg', '/image.png']);
    const list = await t.client.messages(sid).media.list();
    expect(list.map((m) => m.sid)).toEqual(media.map((m) => m.sid));
    expect(list.map((m) => m.contentType)).toEqual(['image/jpeg', 'image/png']);
    expect(list[0]?.parentSid).toBe(sid);
    expect(list[0]?.accountSid).toBe(MAIN_SID);
    expect(list[0]?.dateCreated).toBeInstanceOf(Date);
  });

  it('pages with PageSize 1 and the list key media_list', async () => {
    const { sid, media } = await mms(['/image.png', '/photo.jpg', '/redirect']);
    const list = await t.client.messages(sid).media.list({ pageSize: 1 });
    expect(list.map((m) => m.sid)).toEqual(media.map((m) => m.sid));
    const page = await t.http(
      'GET',
      `/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}/Media.json?PageSize=2`,
    );
    expect(page.status).toBe(200);
    expect(Object.keys(page.json).filter((k) => Array.isArray(page.json[k]))).toEqual([
      'media_list',
    ]);
    expect(page.json.media_list).toHaveLength(2);
    expect(page.json.next_page_uri).toMatch(
      /^\/2010-04-01\/.*Media\.json\?PageSize=2&Page=1&PageToken=/,
    );
  });

  it('filters by DateCreated, DateCreated< and DateCreated>', async () => {
    const { sid, media } = await mms(['/image.png']);
    const at = new Date(media[0]?.dateCreated ?? 0);
    const second = new Date(Math.floor(at.getTime() / 1000) * 1000);
    const day = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
    const ctx = t.client.messages(sid).media;
    expect(await ctx.list({ dateCreated: day })).toHaveLength(1);
    expect(await ctx.list({ dateCreated: new Date(day.getTime() - 86_400_000) })).toHaveLength(0);
    expect(await ctx.list({ dateCreatedAfter: second })).toHaveLength(1);
    expect(await ctx.list({ dateCreatedAfter: new Date(second.getTime() + 1000) })).toHaveLength(0);
    expect(await ctx.list({ dateCreatedBefore: second })).toHaveLength(1);
    expect(await ctx.list({ dateCreatedBefore: new Date(second.getTime() - 1000) })).toHaveLength(
      0,
    );
    const bad = await t.http(
      'GET',
      `/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}/Media.json?DateCreated%3E=yesterday`,
    );
    expect(bad.status).toBe(400);
    expect(bad.json.code).toBe(20001);
  });

  it('fetches one media resource with every spec property', async () => {
    const { sid, media } = await mms(['/image.png']);
    const me = media[0]?.sid ?? '';
    const m = await t.client.messages(sid).media(me).fetch();
    expect(m.sid).toBe(me);
    expect(m.contentType).toBe('image/png');
    expect(m.uri).toBe(`${mediaPath(sid, me)}.json`);
    const raw = await t.http('GET', `${mediaPath(sid, me)}.json`);
    expect(raw.status).toBe(200);
    expect(raw.headers.get('content-type')).toContain('application/json');
    expect(Object.keys(raw.json).sort()).toEqual([
      'account_sid',
      'content_type',
      'date_created',
      'date_updated',
      'parent_sid',
      'sid',
      'uri',
    ]);
  });

  it('serves the content without .json, with its Content-Type, behind Basic auth', async () => {
    const { sid, media } = await mms(['/photo.jpg', '/image.png']);
    const [jpg, png] = media;
    const a = await content(mediaPath(sid, jpg?.sid ?? ''));
    expect(a.res.status).toBe(200);
    expect(a.res.headers.get('content-type')).toBe('image/jpeg');
    expect(a.bytes.equals(JPEG)).toBe(true);
    const b = await content(mediaPath(sid, png?.sid ?? ''));
    expect(b.res.headers.get('content-type')).toBe('image/png');
    expect(b.bytes.equals(PNG)).toBe(true);

    const anon = await t.http('GET', mediaPath(sid, png?.sid ?? ''), undefined, null);
    expect(anon.status).toBe(401);
    expect(anon.json.code).toBe(20003);
    const wrong = await content(mediaPath(sid, png?.sid ?? ''), basic(MAIN_SID, 'nope'));
    expect(wrong.res.status).toBe(401);
  });

  it('answers 404/20404 for an unknown message or media', async () => {
    const { sid } = await mms(['/image.png']);
    const ghostMessage = 'MM' + '0'.repeat(32);
    const ghostMedia = 'ME' + '0'.repeat(32);
    const list = await t.http(
      'GET',
      `/2010-04-01/Accounts/${MAIN_SID}/Messages/${ghostMessage}/Media.json`,
    );
    expect(list.status).toBe(404);
    expect(list.json.code).toBe(20404);
    for (const path of [
      `${mediaPath(sid, ghostMedia)}.json`,
      `${mediaPath(ghostMessage, ghostMedia)}.json`,
    ]) {
      const r = await t.http('GET', path);
      expect(r.status).toBe(404);
      expect(r.json).toMatchObject({
        code: 20404,
        message: `The requested resource ${path} was not found`,
      });
    }
    const raw = await t.http('GET', mediaPath(sid, ghostMedia));
    expect(raw.status).toBe(404);
    expect(raw.json.code).toBe(20404);
    await expect(t.client.messages(sid).media(ghostMedia).remove()).rejects.toMatchObject({
      status: 404,
      code: 20404,
    });
  });

  it('deletes a media resource (204) and then no longer serves it', async () => {
    const { sid, media } = await mms(['/image.png', '/photo.jpg']);
    const me = media[0]?.sid ?? '';
    expect(await t.client.messages(sid).media(me).remove()).toBe(true);
    const raw = await t.http('DELETE', `${mediaPath(sid, media[1]?.sid ?? '')}.json`);
    expect(raw.status).toBe(204);
    expect(raw.text).toBe('');
    expect(await t.client.messages(sid).media.list()).toEqual([]);
    expect((await content(mediaPath(sid, me))).res.status).toBe(404);
  });

  it('answers 405 for other methods on the content URL', async () => {
    const { sid, media } = await mms(['/image.png']);
    const r = await t.http('POST', mediaPath(sid, media[0]?.sid ?? ''), {});
    expect(r.status).toBe(405);
    expect(r.json.code).toBe(20004);
  });

  it('deleting the message deletes its media rows', async () => {
    const { sid, media } = await mms(['/image.png', '/photo.jpg']);
    await t.server.store.messages.transition(
      sid,
      { status: 'delivered', dateSent: Date.now() },
      Date.now(),
    );
    await t.client.messages(sid).feedback.create({ outcome: 'confirmed' });
    expect(await t.client.messages(sid).remove()).toBe(true);
    const left = await t.server.store.media.list(
      { accountSid: MAIN_SID, messageSid: sid },
      { limit: 100, offset: 0 },
    );
    expect(left).toEqual([]);
    for (const m of media) {
      expect(await t.server.store.media.get(MAIN_SID, sid, m.sid)).toBeUndefined();
    }
    expect(await t.server.store.feedback.get(sid)).toBeUndefined();
  });

  it('a message that cannot be deleted yet keeps its media', async () => {
    const { sid, media } = await mms(['/image.png']);
    await expect(t.client.messages(sid).remove()).rejects.toMatchObject({ code: 20009 });
    expect(await t.server.store.media.get(MAIN_SID, sid, media[0]?.sid ?? '')).toBeDefined();
  });
});
