import { api, ApiError, pageContext, type PageContext } from './api.js';
import { h, render } from './dom.js';

/** Each page's script: fills `#app` for the page context. */
type Page = (ctx: PageContext, app: HTMLElement) => Promise<void>;

const pages: Record<string, () => Promise<{ default: Page }>> = {
  overview: () => import('./overview.js'),
  messages: () => import('./messages.js'),
  message: () => import('./message.js'),
  handsets: () => import('./handsets.js'),
  handset: () => import('./handset.js'),
  numbers: () => import('./numbers.js'),
  services: () => import('./services.js'),
  simulator: () => import('./simulator.js'),
};

/** Fills the account switcher with the accounts the credentials reach (not for API keys). */
async function accountSwitcher(ctx: PageContext): Promise<void> {
  const select = document.getElementById('account-switch') as HTMLSelectElement | null;
  if (!select) return;
  select.addEventListener('change', () => {
    // The same page of the other account (a message or handset page: its list).
    const page = location.pathname.split('/')[3] ?? 'messages';
    location.assign(`/console/${select.value}/${page}`);
  });
  if (ctx.key) return; // API keys cannot list accounts
  try {
    const page = await api<{ accounts: { sid: string; friendly_name: string; status: string }[] }>(
      ctx,
      'GET',
      '/2010-04-01/Accounts.json?PageSize=200',
    );
    const options = page.accounts
      .filter((a) => a.status !== 'closed')
      .map((a) =>
        h(
          'option',
          { value: a.sid, selected: a.sid === ctx.account },
          `${a.friendly_name} (${a.sid})${a.sid === ctx.principal ? '' : ' · subaccount'}`,
        ),
      );
    if (options.length > 0) render(select, options);
    select.value = ctx.account;
  } catch {
    // Keep the one account the page was rendered with.
  }
}

async function main(): Promise<void> {
  const ctx = pageContext();
  const app = document.getElementById('app');
  if (!app) return;
  void accountSwitcher(ctx);
  const load = pages[ctx.page];
  if (!load) return;
  try {
    await (await load()).default(ctx, app);
  } catch (e) {
    const message = e instanceof ApiError ? `${e.message} (${e.status})` : String(e);
    render(app, h('p', { class: 'error', role: 'alert' }, `Could not load this page: ${message}`));
  }
}

void main();
