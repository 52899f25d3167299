import { existsSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's Chromium: Playwright's own browser download does not work on these machines. */
export const CHROMIUM = '/usr/bin/chromium';

/**
 * Why the browser tests are skipped, or undefined when they run. They are skipped only on a
 * developer machine without Chromium (`apt-get install chromium`); in CI (`CI` set) they always
 * run, and fail if Chromium is missing (`.ci/run` installs it).
 */
export const browserSkipReason: string | undefined =
  existsSync(CHROMIUM) || process.env['CI']
    ? undefined
    : `${CHROMIUM} is not installed (apt-get install chromium); CI always runs these tests`;

/** Launches the headless Chromium every browser test file shares. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--headless',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Signs in through the form, as a person does: by the fields' labels. */
export async function signIn(page: Page, baseUrl: string, user: string, pass: string) {
  await page.goto(baseUrl + '/');
  await page.getByLabel('Account SID').fill(user);
  await page.getByLabel('Auth Token').fill(pass);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/\/console\/AC[0-9a-f]{32}\/messages/);
}

/** A new browser context (own cookies) signed in with these credentials, and its page. */
export async function signedInPage(
  browser: Browser,
  baseUrl: string,
  user: string,
  pass: string,
): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  // confirm() dialogs of the console's destructive actions are accepted, as a user would.
  page.on('dialog', (d) => void d.accept());
  await signIn(page, baseUrl, user, pass);
  return { context, page };
}

/** A request an app server received. */
export interface Received {
  path: string;
  headers: IncomingMessage['headers'];
  form: URLSearchParams;
}

/** A tiny app on a free port: records every request and answers with `answer(path)`. */
export async function startApp(
  answer: (req: Received) => { status: number; type?: string; body?: string | Buffer },
): Promise<{ url: string; received: Received[]; close(): Promise<void> }> {
  const received: Received[] = [];
  const server: HttpServer = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      const r = { path: req.url ?? '', headers: req.headers, form: new URLSearchParams(body) };
      received.push(r);
      const a = answer(r);
      res.writeHead(a.status, { 'content-type': a.type ?? 'text/plain' }).end(a.body ?? '');
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    close: () => new Promise<void>((ok) => server.close(() => ok())),
  };
}
