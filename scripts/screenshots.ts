/**
 * `npm run screenshots`: refreshes docs/screenshots/*.png, the console pages the README shows.
 * Starts Loft on a temporary SQLite file with a clock running an hour behind, fills it with an
 * hour of demo traffic (a webhook app answering with TwiML, failure rules, a failing status
 * callback, an MMS), then photographs each page in Debian's Chromium: light, dark and phone.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import twilio from 'twilio';
import type { Page } from 'playwright-core';
import { systemClock, type Clock } from '../src/clock.js';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/main.js';
import { launchChromium, signedInPage, startApp } from '../test/support/browser.js';

const OUT = resolve(import.meta.dirname, '../docs/screenshots');
const SID = 'AC' + 'a1'.repeat(16);
const TOKEN = 'b2'.repeat(16);
const FROM = '+15017122661';
const SUPPORT = '+15017122662';

/** A clock `offset` ms behind the wall clock; the demo walks it forward to now. */
let offset = 0;
const clock: Clock = {
  now: () => Date.now() - offset,
  sleep: (ms, signal) => systemClock.sleep(ms, signal),
};

const dir = mkdtempSync(join(tmpdir(), 'loft-shots-'));
const browser = await launchChromium();
let png: Buffer = Buffer.alloc(0);
{
  const p = await browser.newPage();
  await p.setContent(
    '<div style="width:240px;height:150px;display:grid;place-items:center;font:700 40px sans-serif;' +
      'color:#fff;background:linear-gradient(135deg,#0b5cd5,#7c3aed)">Loft</div>',
  );
  png = await p.locator('div').screenshot();
  await p.close();
}
const app = await startApp((r) => {
  if (r.path.startsWith('/sms')) {
    const body = r.form.get('Body') ?? '';
    const reply = /code/i.test(body)
      ? 'Your Acme verification code is 482913. It expires in 10 minutes.'
      : `Thanks! We got: ${body}`;
    return {
      status: 200,
      type: 'text/xml',
      body: `<Response><Message>${reply}</Message></Response>`,
    };
  }
  if (r.path.startsWith('/cat.png')) return { status: 200, type: 'image/png', body: png };
  return r.path.startsWith('/status-down')
    ? { status: 503, body: 'upstream unavailable' }
    : { status: 204 };
});
const config = loadConfig(['--port', '0', '--database-url', `sqlite:${join(dir, 'loft.db')}`], {
  TWILIO_ACCOUNT_SID: SID,
  TWILIO_AUTH_TOKEN: TOKEN,
  SIM_DELAY_MS: '0',
  LOG_LEVEL: 'warn',
});
offset = 58 * 60_000;
const loft = await startServer(config, { clock, logger: false });
const client = twilio(SID, TOKEN);
client.api.baseUrl = loft.url;
const AUTH = 'Basic ' + Buffer.from(`${SID}:${TOKEN}`).toString('base64');
const sim = (path: string, method: string, body: unknown) =>
  fetch(loft.url + path, {
    method,
    headers: { authorization: AUTH, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

try {
  await client.incomingPhoneNumbers.create({ phoneNumber: FROM, friendlyName: 'Notifications' });
  await client.incomingPhoneNumbers.create({
    phoneNumber: SUPPORT,
    friendlyName: 'Support line',
    smsUrl: `${app.url}/sms`,
    statusCallback: `${app.url}/status`,
  });
  await client.api.v2010.accounts.create({ friendlyName: 'Staging' });
  await sim('/sim/rules', 'POST', { match: '+1415555019*', outcome: 'undelivered:30003' });
  await sim('/sim/rules', 'POST', {
    match: '+1628*',
    mix: [{ probability: 0.3, outcome: 'undelivered:30007' }],
  });
  await sim('/sim/rules', 'POST', { match: '+14155550188', outcome: 'failed:30008' });
  const texts = [
    'Your order #1042 has shipped',
    'Reminder: appointment tomorrow at 10:00',
    'Your table for 2 is ready',
    'Flash sale: 20% off today only',
    'Your ride is arriving',
  ];
  // An hour of traffic, a few messages a minute, ending now.
  for (let minute = 0; minute < 56; minute++) {
    offset = (58 - minute) * 60_000;
    const n = 1 + ((minute * 7) % 5);
    for (let i = 0; i < n; i++) {
      const k = minute * 5 + i;
      const to =
        k % 11 === 0
          ? `+1415555019${k % 10}`
          : k % 5 === 0
            ? `+1628555${1000 + k}`
            : `+1415555${1000 + (k % 40)}`;
      // Raw form: the SDKs do not send Tags yet.
      const form = new URLSearchParams({ From: FROM, To: to, Body: texts[k % texts.length]! });
      if (k % 4 === 0) form.set('Tags', JSON.stringify({ campaign: 'spring' }));
      await fetch(`${loft.url}/2010-04-01/Accounts/${SID}/Messages.json`, {
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
        body: form.toString(),
      });
    }
    if (minute % 9 === 0) {
      await sim(`/sim/handsets/%2B1415555${1000 + minute}/messages`, 'POST', {
        to: SUPPORT,
        body: minute % 18 === 0 ? 'Send me a code please' : 'Where is my order?',
      });
    }
  }
  offset = 2 * 60_000;
  const failing = await client.messages.create({
    from: FROM,
    to: '+14155550142',
    body: 'Your invoice is ready',
    statusCallback: `${app.url}/status-down`,
  });
  await client.messages.create({
    from: FROM,
    to: '+14155550143',
    body: 'Here is the photo you asked for',
    mediaUrl: [`${app.url}/cat.png`],
  });
  await client.messages.create({ from: FROM, to: '+14155550188', body: 'Carrier trouble ahead' });
  offset = 0;
  const handset = '+14155551000';
  await sim(`/sim/handsets/%2B14155551000/messages`, 'POST', {
    to: SUPPORT,
    body: 'Hi, can I get a login code?',
  });
  await new Promise((r) => setTimeout(r, 1500)); // replies and callbacks settle
  await client.messages.create({ from: FROM, to: '+14155551000', body: 'Welcome back to Acme!' });

  mkdirSync(OUT, { recursive: true });
  const shoot = async (page: Page, name: string, path: string, ready: string) => {
    await page.goto(`${loft.url}/console/${SID}/${path}`);
    await page.locator(ready).first().waitFor();
    await page.waitForTimeout(400);
    await page.screenshot({ path: join(OUT, `${name}.png`) });
    console.log(`docs/screenshots/${name}.png`);
  };
  const light = await signedInPage(browser, loft.url, SID, TOKEN);
  await light.page.setViewportSize({ width: 1280, height: 800 });
  await shoot(light.page, 'overview', 'overview', 'figure.chart');
  await shoot(light.page, 'messages', 'messages', '.live.on');
  await shoot(light.page, 'message', `messages/${failing.sid}`, 'li.attempt');
  await shoot(light.page, 'handset', `handsets/${encodeURIComponent(handset)}`, 'mark.otp');
  await shoot(light.page, 'numbers', 'numbers', 'table');
  await shoot(light.page, 'simulator', 'simulator', 'tr[data-rule]');
  await light.context.close();

  const dark = await signedInPage(browser, loft.url, SID, TOKEN);
  await dark.page.emulateMedia({ colorScheme: 'dark' });
  await dark.page.setViewportSize({ width: 1280, height: 800 });
  await shoot(dark.page, 'messages-dark', 'messages', '.live.on');
  await dark.page.setViewportSize({ width: 390, height: 844 });
  await shoot(dark.page, 'handset-phone', `handsets/${encodeURIComponent(handset)}`, 'mark.otp');
  await dark.context.close();
} finally {
  await browser.close();
  await loft.close();
  await app.close();
  rmSync(dir, { recursive: true, force: true });
}
