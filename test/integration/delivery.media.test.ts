import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMediaServer, PNG, type MediaServer } from '../support/media-server.js';
import {
  basic,
  MAIN_SID,
  MAIN_TOKEN,
  startTestServer,
  type TestServer,
  fetchAsMain,
} from '../support/server.js';

// MMS through the pipeline: MediaUrl is fetched before submission; a bad URL fails the message.
let t: TestServer;
let media: MediaServer;
const FROM = '+14155552345';

beforeAll(async () => {
  media = await startMediaServer();
  t = await startTestServer();
  await t.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
});
afterAll(async () => {
  await t.close();
  await media.close();
});

describe('MMS delivery', () => {
  it('fetches media, delivers, and serves it back behind Basic auth', async () => {
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'look',
      mediaUrl: [`${media.base}/image.png`, `${media.base}/photo.jpg`],
    });
    expect(m.sid).toMatch(/^MM/);
    await t.runDue();
    const done = await t.client.messages(m.sid).fetch();
    expect(done.status).toBe('delivered');
    expect(done.price).toBe('-0.02200');
    const list = await t.client.messages(m.sid).media.list();
    expect(list.map((x) => x.contentType)).toEqual(['image/png', 'image/jpeg']);
    const content = await fetch(
      `${t.url}/2010-04-01/Accounts/${MAIN_SID}/Messages/${m.sid}/Media/${list[0]!.sid}`,
      {
        headers: { authorization: basic(MAIN_SID, MAIN_TOKEN) },
      },
    );
    expect(content.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await content.arrayBuffer()).equals(PNG)).toBe(true);
    const inbox = await (await fetchAsMain(`${t.url}/sim/handsets/+14155550100/messages`)).json();
    const got = inbox.messages.find((x: { sid: string }) => x.sid === m.sid);
    expect(got.media_urls).toHaveLength(2);
  });

  it.each([
    ['/page.html', 12300, 'Invalid Content-Type'],
    ['/missing.png', 11200, 'HTTP retrieval failure'],
    ['/big.png', 11751, 'Media exceeds messaging provider size limit'],
    ['/card.vcf', 30019, 'Content size exceeds carrier limit'],
    ['/chain/6', 11215, 'HTTP too many redirects'],
  ])('%s fails the message with %i; num_media still counts its Media', async (path, code, text) => {
    const m = await t.client.messages.create({
      from: FROM,
      to: '+14155550100',
      mediaUrl: [`${media.base}${path}`],
    });
    await t.runDue();
    const f = await t.client.messages(m.sid).fetch();
    expect(f.status).toBe('failed');
    expect(f.errorCode).toBe(code);
    expect(f.errorMessage).toContain(text);
    expect(f.numMedia).toBe('1');
    expect(await t.client.messages(m.sid).media.list()).toHaveLength(1);
  });
});
