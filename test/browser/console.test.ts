import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MAIN_SID, MAIN_TOKEN, startTestServer, type TestServer } from '../support/server.js';
import {
  browserSkipReason,
  launchChromium,
  signedInPage,
  signIn,
  startApp,
} from '../support/browser.js';
import { until } from '../support/until.js';

// The console in a real Chromium against a real Loft (SQLite, workers running, 300 ms network
// delay so a status change can be watched), one browser for the file. Skipped only where
// Chromium is absent outside CI (browserSkipReason says why).
const FROM = '+15017122661';
const APP_NUMBER = '+15017122662';

describe.skipIf(browserSkipReason !== undefined)('web console in Chromium', () => {
  let loft: TestServer;
  let browser: Browser;
  let main: { context: BrowserContext; page: Page };
  let app: Awaited<ReturnType<typeof startApp>>;
  let picture: Buffer = Buffer.alloc(0);
  const console_ = (path: string) => `${loft.url}/console/${MAIN_SID}/${path}`;

  beforeAll(async () => {
    [loft, browser, app] = await Promise.all([
      // Delivery reports 1.5 s after the send: test 2 sees a row before its badge turns
      // delivered (with 300 ms, a slow browser round trip on a loaded machine could miss it).
      startTestServer({ delivery: 'auto', env: { SIM_DELAY_MS: '1500' } }),
      launchChromium(),
      // The app: status callbacks fail (500); its number's webhook answers with TwiML.
      startApp((r) =>
        r.path.startsWith('/sms')
          ? {
              status: 200,
              type: 'text/xml',
              body: `<Response><Message>Pong: ${r.form.get('Body')}. Code 123456</Message></Response>`,
            }
          : r.path === '/pic.png'
            ? { status: 200, type: 'image/png', body: picture }
            : { status: 500, body: 'callback store is down' },
      ),
    ]);
    const draw = await browser.newPage();
    await draw.setContent('<div style="width:40px;height:30px;background:#0b5cd5"></div>');
    picture = await draw.locator('div').screenshot();
    await draw.close();
    await loft.client.incomingPhoneNumbers.create({ phoneNumber: FROM });
    await loft.client.incomingPhoneNumbers.create({
      phoneNumber: APP_NUMBER,
      smsUrl: `${app.url}/sms`,
    });
  });
  afterAll(async () => {
    await browser?.close();
    await loft?.close();
    await app?.close();
  });

  it('1. signs in with the labelled form; the session cookie is HttpOnly, SameSite=Strict and expires', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(loft.url + '/');
    expect(new URL(page.url()).pathname).toBe('/console/signin');
    // A wrong token is refused, saying so.
    await page.getByLabel('Account SID').fill(MAIN_SID);
    await page.getByLabel('Auth Token').fill('wrong');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('do not match');
    expect(await context.cookies()).not.toContainEqual(
      expect.objectContaining({ name: 'loft_session' }),
    );
    await signIn(page, loft.url, MAIN_SID, MAIN_TOKEN);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Messages');
    const cookie = (await context.cookies()).find((c) => c.name === 'loft_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    const hours = (cookie!.expires * 1000 - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(11);
    expect(hours).toBeLessThanOrEqual(12);
    await context.close();
    main = await signedInPage(browser, loft.url, MAIN_SID, MAIN_TOKEN);
  });

  it('2. a message sent with the twilio SDK appears in the open log within a second, and its badge turns delivered, without a reload', async () => {
    const { page } = main;
    await page.goto(console_('messages'));
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    const m = await loft.client.messages.create({
      from: FROM,
      to: '+14155550100',
      body: 'Hello live',
    });
    const row = page.locator(`tr[data-sid="${m.sid}"]`);
    // The issue's bound: within a second of the API's answer.
    await row.waitFor({ timeout: 1000 });
    expect(await row.locator('.badge').textContent()).not.toBe('delivered');
    await row.locator('.badge[data-status="delivered"]').waitFor({ timeout: 5000 });
    expect(await row.textContent()).toContain('Hello live');
    // Same document: nothing reloaded the page.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
  });

  it('3. the detail page shows the status timeline and the failing status callback attempts', async () => {
    const { page } = main;
    const m = await loft.client.messages.create({
      from: FROM,
      to: '+14155550101',
      body: 'With a callback',
      statusCallback: `${app.url}/status`,
    });
    await until(() => (app.received.some((r) => r.path === '/status') ? true : undefined));
    await page.goto(console_(`messages/${m.sid}`));
    const timeline = page.getByRole('heading', { name: 'Status timeline' });
    await timeline.waitFor();
    await page.locator('ol.timeline li[data-status="delivered"]').waitFor({ timeout: 5000 });
    const statuses = await page
      .locator('ol.timeline li')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect(statuses).toEqual(['queued', 'sending', 'sent', 'delivered']);
    const failed = page.locator('li.attempt.failed').first();
    await failed.waitFor({ timeout: 5000 });
    const text = await failed.textContent();
    expect(text).toContain('HTTP 500');
    expect(text).toContain(`POST ${app.url}/status`);
    // The signature the app received is the one shown.
    const sent = app.received.find((r) => r.path === '/status')!;
    expect(text).toContain(String(sent.headers['x-twilio-signature']));
    // A failed round schedules a retry, and the page says when.
    expect(await failed.locator('dd').nth(4).textContent()).not.toBe('—');
  });

  it('4. composing from a handset calls the app webhook, and the TwiML reply appears in the conversation with its code highlighted', async () => {
    const { page } = main;
    const handset = '+14155550111';
    await page.goto(console_(`handsets/${encodeURIComponent(handset)}`));
    await page.getByLabel('To (your number)').selectOption(APP_NUMBER);
    await page.getByLabel('Message').fill('ping');
    await page.getByRole('button', { name: 'Send from handset' }).click();
    const hook = await until(() => app.received.find((r) => r.path.startsWith('/sms')));
    expect(hook.form.get('Body')).toBe('ping');
    expect(hook.form.get('From')).toBe(handset);
    expect(hook.form.get('To')).toBe(APP_NUMBER);
    const reply = page.locator('.bubble.in', { hasText: 'Pong: ping' });
    await reply.waitFor({ timeout: 5000 });
    expect(await reply.locator('mark.otp').textContent()).toBe('123456');
    await reply.getByRole('button', { name: 'Copy code 123456' }).waitFor();
    expect(await page.locator('.bubble.out', { hasText: 'ping' }).count()).toBe(1);
  });

  it('5. redacting from the console makes the API return body ""', async () => {
    const { page } = main;
    const m = await loft.client.messages.create({
      from: FROM,
      to: '+14155550102',
      body: 'secret 1',
    });
    await until(async () =>
      (await loft.client.messages(m.sid).fetch()).status === 'delivered' ? true : undefined,
    );
    await page.goto(console_(`messages/${m.sid}`));
    await page.getByRole('button', { name: 'Redact' }).click();
    await page.getByLabel('Body').filter({ hasText: '(empty' }).waitFor();
    expect((await loft.client.messages(m.sid).fetch()).body).toBe('');
  });

  it('6. a failure rule added in the console makes the next message undelivered', async () => {
    const { page } = main;
    const to = '+14155550177';
    await page.goto(console_('simulator'));
    await page.getByLabel('Number or pattern').fill(to);
    await page.getByLabel('Outcome', { exact: true }).first().selectOption('undelivered:30003');
    await page.getByRole('button', { name: 'Add rule' }).click();
    await page.locator('tr[data-rule]', { hasText: to }).waitFor();
    const m = await loft.client.messages.create({ from: FROM, to, body: 'into the void' });
    const done = await until(async () => {
      const f = await loft.client.messages(m.sid).fetch();
      return ['queued', 'sending', 'sent'].includes(f.status) ? undefined : f;
    });
    expect(done.status).toBe('undelivered');
    expect(done.errorCode).toBe(30003);
  });

  it("7. a subaccount cannot see its parent's messages; the parent switches to the subaccount", async () => {
    const sub = await loft.client.api.v2010.accounts.create({ friendlyName: 'Team B' });
    const parentMessage = (await loft.client.messages.list({ limit: 1 }))[0]!;
    const { context, page } = await signedInPage(browser, loft.url, sub.sid, sub.authToken);
    expect(new URL(page.url()).pathname).toBe(`/console/${sub.sid}/messages`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    expect(await page.locator('tbody tr').count()).toBe(0);
    const options = await page
      .locator('#account-switch option')
      .evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value));
    expect(options).toEqual([sub.sid]);
    // The parent's pages and data: refused.
    const res = await page.goto(`${loft.url}/console/${MAIN_SID}/messages/${parentMessage.sid}`);
    expect(res?.status()).toBe(404);
    const statuses = await page.evaluate(
      async ([main, sid]) =>
        Promise.all(
          [
            `/2010-04-01/Accounts/${main}/Messages.json`,
            `/2010-04-01/Accounts/${main}/Messages/${sid}.json`,
            `/loft/v1/Accounts/${main}/Messages`,
            `/loft/v1/Accounts/${main}/Messages/Stream`,
          ].map(async (u) => (await fetch(u)).status),
        ),
      [MAIN_SID, parentMessage.sid],
    );
    expect(statuses).toEqual([401, 401, 401, 401]);
    await context.close();
    // The parent sees the subaccount in its switcher and opens its log.
    await main.page.goto(console_('messages'));
    await main.page.getByLabel('Account').selectOption(sub.sid);
    await main.page.waitForURL(`${loft.url}/console/${sub.sid}/messages`);
    await main.page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
  });

  it('8. changes need the CSRF token, and the session cookie is refused after sign-out', async () => {
    const { context, page } = await signedInPage(browser, loft.url, MAIN_SID, MAIN_TOKEN);
    const value = (await context.cookies()).find((c) => c.name === 'loft_session')!.value;
    const cookie = `loft_session=${value}`;
    const messages = `${loft.url}/2010-04-01/Accounts/${MAIN_SID}/Messages.json`;
    const form = {
      method: 'POST',
      headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ From: FROM, To: '+14155550103', Body: 'forged' }).toString(),
    };
    expect((await fetch(messages, { headers: { cookie } })).status).toBe(200);
    // A change with the cookie alone (what a cross-site form could send): refused.
    const forged = await fetch(messages, form);
    expect(forged.status).toBe(403);
    expect((await forged.json()).code).toBe(20403);
    const wrong = await fetch(messages, {
      ...form,
      headers: { ...form.headers, 'x-loft-csrf': 'x' },
    });
    expect(wrong.status).toBe(403);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL(`${loft.url}/console/signin`);
    // The same cookie, replayed: refused by the API and the console.
    expect((await fetch(messages, { headers: { cookie } })).status).toBe(401);
    const again = await fetch(`${loft.url}/console/${MAIN_SID}/messages`, {
      headers: { cookie },
      redirect: 'manual',
    });
    expect(again.status).toBe(302);
    expect(again.headers.get('location')).toBe('/console/signin');
    await context.close();
  });

  it('9. every control on every page has an accessible name, and the keyboard reaches the content', async () => {
    const { page } = main;
    const [m] = await loft.client.messages.list({ limit: 1 });
    const paths = [
      'overview',
      'messages',
      `messages/${m!.sid}`,
      'handsets',
      `handsets/${encodeURIComponent('+14155550111')}`,
      'numbers',
      'services',
      'simulator',
    ];
    const ready = (path: string) =>
      path === 'messages' ? '.live.on' : '#app > :not(p.muted:only-child)';
    const unnamed: string[] = [];
    for (const path of paths) {
      await page.goto(console_(path));
      await page.locator(ready(path)).first().waitFor();
      // Chromium's own accessibility tree: a control without a name shows as a bare role.
      const tree = await page.locator('body').ariaSnapshot();
      for (const line of tree.split('\n')) {
        if (
          /^\s*- (button|link|textbox|combobox|searchbox|spinbutton|checkbox)\b(?! ")/.test(line)
        ) {
          unnamed.push(`${path}: ${line.trim()}`);
        }
      }
    }
    expect(unnamed).toEqual([]);
    // The first Tab lands on the skip link, which takes the focus to the content.
    await page.goto(console_('messages'));
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
  });

  it("10. an MMS's image shows inline on its detail page (fetched with the session cookie)", async () => {
    const { page } = main;
    const m = await loft.client.messages.create({
      from: FROM,
      to: '+14155550105',
      body: 'A picture',
      mediaUrl: [`${app.url}/pic.png`],
    });
    await until(async () =>
      (await loft.client.messages(m.sid).fetch()).status === 'delivered' ? true : undefined,
    );
    await page.goto(console_(`messages/${m.sid}`));
    const img = page.getByRole('img', { name: /^Image ME[0-9a-f]{32} \(image\/png\)$/ });
    await img.waitFor();
    await until(
      async () =>
        (await img.evaluate((e) => (e as HTMLImageElement).naturalWidth)) > 0 ? true : undefined,
      5000,
    );
    expect(await img.evaluate((e) => (e as HTMLImageElement).naturalWidth)).toBe(40);
  });
});
