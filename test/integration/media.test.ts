import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { randomIds, type Ids } from '../../src/ids.js';
import { prepareMedia } from '../../src/media/media.fetch.js';
import type { MediaRecord } from '../../src/store/store.js';
import { JPEG, PNG, startMediaServer, type MediaServer } from '../support/media-server.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

let t: TestServer;
let files: MediaServer;
const FROM = '+14155552345';
const TO = '+14155550100';

/** Random ids, except that the next `MM` SID can be forced (to make an insert collide). */
const random = randomIds();
const ids: Ids & { nextMM?: string } = {
  secret: () => random.secret(),
  sid(prefix) {
    const forced = prefix === 'MM' ? ids.nextMM : undefined;
    if (forced !== undefined) ids.nextMM = undefined;
    return forced ?? random.sid(prefix);
  },
};

beforeAll(async () => {
  [t, files] = await Promise.all([startTestServer({ ids }), startMediaServer()]);
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
    // A year or a month selects all of it, as DateSent on Messages.
    const byDate = async (value: string) =>
      (
        await t.http(
          'GET',
          `/2010-04-01/Accounts/${MAIN_SID}/Messages/${sid}/Media.json?DateCreated=${value}`,
        )
      ).json.media_list;
    const month = `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;
    expect(await byDate(String(at.getUTCFullYear()))).toHaveLength(1);
    expect(await byDate(month)).toHaveLength(1);
    expect(await byDate(String(at.getUTCFullYear() - 1))).toHaveLength(0);
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

// num_media and the Media list agree from the create response on: the Media exist (empty)
// before their MediaUrls are fetched, stay listed when a fetch fails, and a DELETE takes one
// off num_media.

/** What a client sees reading the message, then its Media list, with the official SDK. */
async function read(sid: string) {
  const message = await t.client.messages(sid).fetch();
  const media = await t.client.messages(sid).media.list();
  return { message, media };
}

/** A Media's content (no `.json`): status, and the bytes (a 404's Twilio error as JSON). */
async function contentOf(messageSid: string, mediaSid: string) {
  const { res, bytes } = await content(mediaPath(messageSid, mediaSid));
  return { status: res.status, bytes };
}

describe('outbound MMS: num_media and the Media list', () => {
  it('agree while a slow media server holds both fetches, and after', async () => {
    const png = files.hold('/image.png');
    const redirect = files.hold('/redirect'); // no extension: no type to guess
    const jpg = files.hold('/photo.jpg');
    const created = await t.client.messages.create({
      from: FROM,
      to: TO,
      body: 'look',
      mediaUrl: [png.url, redirect.url, jpg.url],
    });
    expect(created.numMedia).toBe('3');
    const atCreate = await t.client.messages(created.sid).media.list();
    expect(atCreate).toHaveLength(3);

    const delivery = t.runDue();
    await png.requested;
    const during = await read(created.sid);
    expect(during.message.status).toBe('queued');
    expect(during.message.numMedia).toBe('3');
    expect(during.media.map((m) => m.sid)).toEqual(atCreate.map((m) => m.sid));
    // Before the fetch: the type the URL names, or null.
    expect(during.media.map((m) => m.contentType)).toEqual(['image/png', null, 'image/jpeg']);
    expect(during.media.every((m) => m.parentSid === created.sid)).toBe(true);
    const early = await contentOf(created.sid, during.media[0]?.sid ?? '');
    expect(early.status).toBe(404);
    expect(JSON.parse(early.bytes.toString()).code).toBe(20404);

    png.release();
    await redirect.requested;
    expect((await read(created.sid)).media).toHaveLength(3);
    redirect.release();
    await jpg.requested;
    jpg.release();
    await delivery;

    const after = await read(created.sid);
    expect(after.message.status).toBe('delivered');
    expect(after.message.numMedia).toBe('3');
    expect(after.media.map((m) => m.sid)).toEqual(atCreate.map((m) => m.sid));
    expect(after.media.map((m) => m.contentType)).toEqual(['image/png', 'image/png', 'image/jpeg']);
    const bytes = await Promise.all(after.media.map((m) => contentOf(created.sid, m.sid)));
    expect(bytes.map((b) => b.status)).toEqual([200, 200, 200]);
    expect(bytes[0]?.bytes.equals(PNG)).toBe(true);
    expect(bytes[2]?.bytes.equals(JPEG)).toBe(true);
  });

  it('a MediaUrl that cannot be fetched fails the message; its Media stay listed, empty', async () => {
    const created = await t.client.messages.create({
      from: FROM,
      to: TO,
      mediaUrl: [`${files.base}/image.png`, `${files.base}/missing.png`],
    });
    expect((await read(created.sid)).media).toHaveLength(2);
    await t.runDue();
    const after = await read(created.sid);
    expect(after.message.status).toBe('failed');
    expect(after.message.errorCode).toBe(11200);
    expect(after.message.errorMessage).toContain('returned HTTP 404');
    expect(after.message.numMedia).toBe('2');
    expect(after.media.map((m) => m.contentType)).toEqual(['image/png', 'image/png']);
    for (const m of after.media) expect((await contentOf(created.sid, m.sid)).status).toBe(404);
  });

  it('DELETE of a Media takes it off num_media, also before the fetch', async () => {
    const created = await t.client.messages.create({
      from: FROM,
      to: TO,
      mediaUrl: [`${files.base}/image.png`, `${files.base}/photo.jpg`],
    });
    const [first, second] = (await read(created.sid)).media;
    expect(
      await t.client
        .messages(created.sid)
        .media(first?.sid ?? '')
        .remove(),
    ).toBe(true);
    const one = await read(created.sid);
    expect(one.message.numMedia).toBe('1');
    expect(one.media.map((m) => m.sid)).toEqual([second?.sid]);

    await t.runDue(); // only the Media left is fetched and sent
    const sent = await read(created.sid);
    expect(sent.message.status).toBe('delivered');
    expect(sent.media.map((m) => m.contentType)).toEqual(['image/jpeg']);
    const inbox = await (await fetchAsMain(`${t.url}/sim/handsets/${TO}/messages`)).json();
    const got = inbox.messages.find((x: { sid: string }) => x.sid === created.sid);
    expect(got.media_urls).toHaveLength(1);

    await t.client
      .messages(created.sid)
      .media(second?.sid ?? '')
      .remove();
    const none = await read(created.sid);
    expect(none.message.numMedia).toBe('0');
    expect(none.media).toEqual([]);
  });
});

describe('inbound MMS: num_media and the Media list', () => {
  const text = (mediaUrls: string[]) =>
    fetchAsMain(`${t.url}/sim/handsets/${encodeURIComponent(TO)}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: FROM, body: 'pic', mediaUrls }),
    });

  it('agree as soon as the message exists', async () => {
    const r = await text([`${files.base}/image.png`, `${files.base}/photo.jpg`]);
    expect(r.status).toBe(201);
    const { sid } = (await r.json()) as { sid: string };
    const got = await read(sid);
    expect(got.message.numMedia).toBe('2');
    expect(got.media.map((m) => m.contentType)).toEqual(['image/png', 'image/jpeg']);
  });

  it('a message that fails to be stored leaves no Media behind', async () => {
    // An inbound MMS whose insert fails (its SID collides with an SMS's): its fetched Media
    // must not survive it, under that SID or any other.
    const sms = await t.client.messages.create({ from: FROM, to: TO, body: 'text only' });
    ids.nextMM = sms.sid;
    const r = await text([`${files.base}/photo.jpg`]);
    expect(r.status).toBeGreaterThanOrEqual(400);
    const after = await read(sms.sid);
    expect(after.message.numMedia).toBe('0');
    expect(after.media).toEqual([]);
  });
});
