import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { sequentialIds } from '../../src/ids.js';
import {
  fetchMedia,
  MEDIA_ERRORS,
  prepareMedia,
  prepareMediaUrls,
} from '../../src/media/media.fetch.js';
import { pendingMedia } from '../../src/media/media.pending.js';
import { MEDIA_LIMITS } from '../../src/media/media.types.js';
import type { Message } from '../../src/store/records.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite.store.js';
import type { Store } from '../../src/store/store.js';
import { JPEG, PNG, startMediaServer, type MediaServer } from '../support/media-server.js';

let media: MediaServer;
beforeAll(async () => {
  media = await startMediaServer();
});
afterAll(() => media.close());

const url = (path: string) => media.base + path;
const opts = { timeoutMs: 2_000, maxBytes: MEDIA_LIMITS.totalBytes };

describe('fetchMedia', () => {
  it('returns the bytes and content type of a PNG and a JPEG', async () => {
    const png = await fetchMedia(url('/image.png'), opts);
    expect(png).toEqual({ ok: true, contentType: 'image/png', bytes: PNG });
    const jpg = await fetchMedia(url('/photo.jpg'), opts);
    expect(jpg).toEqual({ ok: true, contentType: 'image/jpeg', bytes: JPEG });
  });

  it('normalises the Content-Type to its lowercase essence', async () => {
    const r = await fetchMedia(url('/typed.png'), opts);
    expect(r.ok && r.contentType).toBe('image/png');
  });

  it('refuses text/html and a missing Content-Type with 12300', async () => {
    for (const path of ['/page.html', '/no-type']) {
      const r = await fetchMedia(url(path), opts);
      expect(r).toMatchObject({ ok: false, errorCode: MEDIA_ERRORS.contentType });
      expect(r.ok).toBe(false);
    }
    expect(MEDIA_ERRORS.contentType).toBe(12300);
  });

  it('fails a 404 with 11200 naming the status', async () => {
    const r = await fetchMedia(url('/missing.png'), opts);
    expect(r).toMatchObject({ ok: false, errorCode: 11200 });
    expect(!r.ok && r.errorMessage).toContain('404');
  });

  it('fails an unreachable host with 11200', async () => {
    const closed = await startMediaServer();
    const dead = closed.base + '/image.png';
    await closed.close();
    const r = await fetchMedia(dead, opts);
    expect(r).toMatchObject({ ok: false, errorCode: 11200 });
  });

  it('times out a server that never answers (11200) within the timeout', async () => {
    const started = Date.now();
    const r = await fetchMedia(url('/slow.png'), { ...opts, timeoutMs: 300 });
    expect(r).toMatchObject({ ok: false, errorCode: 11200 });
    expect(!r.ok && r.errorMessage).toContain('300 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('follows a redirect', async () => {
    const r = await fetchMedia(url('/redirect'), opts);
    expect(r).toEqual({ ok: true, contentType: 'image/png', bytes: PNG });
  });

  it('follows 5 redirects but not 6 (11215)', async () => {
    expect((await fetchMedia(url('/chain/5'), opts)).ok).toBe(true);
    const r = await fetchMedia(url('/chain/6'), opts);
    expect(r).toMatchObject({ ok: false, errorCode: 11215 });
  });

  it('rejects a body over maxBytes from its Content-Length (11751)', async () => {
    const r = await fetchMedia(url('/big.png'), opts);
    expect(r).toMatchObject({ ok: false, errorCode: 11751 });
  });

  it('stops reading an endless body as soon as it passes maxBytes', async () => {
    const started = Date.now();
    const r = await fetchMedia(url('/endless.png'), { timeoutMs: 10_000, maxBytes: 256 * 1024 });
    expect(r).toMatchObject({ ok: false, errorCode: 11751 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(() => media.endlessClosed(), { timeout: 2_000 }).toBe(true);
  });

  it('fails an empty body with 11200', async () => {
    const r = await fetchMedia(url('/empty.png'), opts);
    expect(r).toMatchObject({ ok: false, errorCode: 11200 });
  });

  it('refuses a non-http URL with 21620', async () => {
    const r = await fetchMedia('ftp://example.com/a.png', opts);
    expect(r).toMatchObject({ ok: false, errorCode: 21620 });
  });
});

describe('prepareMedia', () => {
  let store: Store;
  const clock = new ManualClock(Date.UTC(2024, 2, 10, 12, 0, 0));
  let n = 0;
  const ACCOUNT = 'AC' + 'a1'.repeat(16);

  beforeEach(async () => {
    store = await openSqliteStore({ path: ':memory:' });
  });
  afterEach(() => store.close());

  async function message(mediaUrls: string[]): Promise<Message> {
    n++;
    return store.messages.insert({
      seq: 0,
      sid: 'MM' + n.toString(16).padStart(32, '0'),
      accountSid: ACCOUNT,
      direction: 'outbound-api',
      status: 'queued',
      from: '+14155552345',
      to: '+14155550100',
      body: '',
      numSegments: 1,
      numMedia: mediaUrls.length,
      messagingServiceSid: null,
      errorCode: null,
      errorMessage: null,
      price: null,
      priceUnit: 'USD',
      dateCreated: clock.now(),
      dateUpdated: clock.now(),
      dateSent: null,
      sendAt: null,
      statusCallback: null,
      tags: {},
      options: mediaUrls.length > 0 ? { MediaUrl: mediaUrls } : {},
      carrierRef: null,
    });
  }
  const ids = sequentialIds();
  const deps = () => ({ store, clock, ids, timeoutMs: 2_000 });
  const listOf = (m: Message) =>
    store.media.list({ accountSid: m.accountSid, messageSid: m.sid }, { limit: 100, offset: 0 });

  it('stores every MediaUrl in order as ME… media with its bytes', async () => {
    const m = await message([url('/photo.jpg'), url('/image.png')]);
    const r = await prepareMedia(deps(), m);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.media.map((x) => x.contentType)).toEqual(['image/jpeg', 'image/png']);
    expect(r.media.every((x) => /^ME[0-9a-f]{32}$/.test(x.sid))).toBe(true);
    expect(r.media[0]).toMatchObject({
      accountSid: ACCOUNT,
      messageSid: m.sid,
      position: 0,
      size: JPEG.length,
      sourceUrl: url('/photo.jpg'),
      dateCreated: clock.now(),
    });
    expect((await listOf(m)).map((x) => x.sid)).toEqual(r.media.map((x) => x.sid));
    const second = r.media[1];
    if (!second) throw new Error('missing second media');
    const content = await store.media.getContent(ACCOUNT, m.sid, second.sid);
    expect(content?.content.equals(PNG)).toBe(true);
  });

  it('is idempotent: a second call returns the stored media without fetching', async () => {
    const m = await message([url('/redirect')]);
    const before = media.hits.get('/redirect') ?? 0;
    const first = await prepareMedia(deps(), m);
    const again = await prepareMedia(deps(), m);
    expect(again).toEqual(first);
    expect(media.hits.get('/redirect')).toBe(before + 1);
    expect(await listOf(m)).toHaveLength(1);
  });

  it('returns no media for a message without MediaUrl', async () => {
    const m = await message([]);
    expect(await prepareMedia(deps(), m)).toEqual({ ok: true, media: [] });
  });

  it('stores no bytes when one URL fails, and reports that URL’s error', async () => {
    const m = await message([url('/image.png'), url('/page.html')]);
    const r = await prepareMedia(deps(), m);
    expect(r).toMatchObject({ ok: false, errorCode: 12300 });
    // The Media stay listed (num_media still counts them), empty, with the URL's guessed type.
    const left = await listOf(m);
    expect(left.map((x) => [x.size, x.contentType])).toEqual([
      [0, 'image/png'],
      [0, ''],
    ]);
  });

  it('fills the Media created with the message, keeping their SIDs', async () => {
    const m = await message([url('/typed.png'), url('/photo.jpg')]);
    const rows = pendingMedia(ids, m, [url('/typed.png'), url('/photo.jpg')]);
    await store.media.insertMany(rows);
    const r = await prepareMedia(deps(), m);
    expect(r.ok && r.media.map((x) => [x.sid, x.contentType, x.size])).toEqual([
      [rows[0]?.sid, 'image/png', PNG.length],
      [rows[1]?.sid, 'image/jpeg', JPEG.length],
    ]);
  });

  it('fails with 11751 when the media together exceed the total', async () => {
    const m = await message([url('/image.png'), url('/image.png')]);
    const r = await prepareMedia({ ...deps(), maxTotalBytes: PNG.length + 10 }, m);
    expect(r).toMatchObject({ ok: false, errorCode: 11751 });
    expect((await listOf(m)).every((x) => x.size === 0)).toBe(true);
  });

  it('fails a 6 MB image with 11751 (5 MB limit by default)', async () => {
    const m = await message([url('/big.png')]);
    expect(await prepareMedia(deps(), m)).toMatchObject({ ok: false, errorCode: 11751 });
  });

  it('allows a small non-image type but fails one over 500 KB with 30019', async () => {
    const ok = await prepareMedia(deps(), await message([url('/small.vcf')]));
    expect(ok.ok && ok.media[0]?.contentType).toBe('text/vcard');
    const big = await prepareMedia(deps(), await message([url('/card.vcf')]));
    expect(big).toMatchObject({ ok: false, errorCode: 30019 });
  });

  it('fails a URL that times out with 11200', async () => {
    const m = await message([url('/slow.png')]);
    const r = await prepareMedia({ ...deps(), timeoutMs: 200 }, m);
    expect(r).toMatchObject({ ok: false, errorCode: 11200 });
  });

  it('gives the pipeline absolute content URLs', async () => {
    const m = await message([url('/image.png')]);
    const r = await prepareMediaUrls({ ...deps(), publicBaseUrl: 'https://loft.example/' }, m);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.urls).toHaveLength(1);
    expect(r.urls[0]).toMatch(
      new RegExp(
        `^https://loft\\.example/2010-04-01/Accounts/${ACCOUNT}/Messages/${m.sid}/Media/ME[0-9a-f]{32}$`,
      ),
    );
  });
});
