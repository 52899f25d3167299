/** The console's pages, as the navigation lists them (`message` and `handset` are sub-pages). */
export const PAGES = {
  overview: 'Overview',
  messages: 'Messages',
  message: 'Message',
  handsets: 'Handsets',
  handset: 'Handset',
  numbers: 'Numbers',
  services: 'Messaging Services',
  simulator: 'Simulator',
} as const;

/** A console page's name. */
export type PageName = keyof typeof PAGES;

/** The pages in the navigation, in order. */
const NAV: readonly PageName[] = [
  'overview',
  'messages',
  'handsets',
  'numbers',
  'services',
  'simulator',
];

/** Escapes text for HTML content and double-quoted attribute values. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** What the shell of a signed-in page shows. */
export interface ShellInput {
  page: PageName;
  /** The account the page shows (the principal's own or one of its subaccounts). */
  accountSid: string;
  accountName: string;
  /** The signed-in account (the API key's account for a key). */
  principalSid: string;
  /** `SK…` when signed in with an API key. */
  apiKeySid?: string;
  /** The main account with its auth token: network-wide simulator controls. */
  admin: boolean;
  csrf: string;
  /** The resource a sub-page shows (`SM…`, a handset number). */
  item?: string;
}

const head = (title: string, extra = ''): string =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8">` +
  `<meta name="viewport" content="width=device-width, initial-scale=1">` +
  `<meta name="color-scheme" content="light dark">` +
  `<title>${esc(title)} · Loft</title>` +
  `<link rel="icon" href="data:,">` +
  `<link rel="stylesheet" href="/console/assets/console.css">${extra}</head>`;

const navLink = (accountSid: string, page: PageName, current: PageName): string => {
  const active =
    page === current ||
    (current === 'message' && page === 'messages') ||
    (current === 'handset' && page === 'handsets');
  return `<li><a href="/console/${esc(accountSid)}/${page}"${
    active ? ' aria-current="page"' : ''
  }>${esc(PAGES[page])}</a></li>`;
};

/**
 * A signed-in page: the navigation, the account switcher and sign-out around an empty `<main>`
 * that the page's script fills from the API. The CSRF token is in a `<meta>` for the script.
 */
export function shell(input: ShellInput): string {
  const { page, accountSid } = input;
  const data = [
    `data-page="${page}"`,
    `data-account="${esc(accountSid)}"`,
    `data-principal="${esc(input.principalSid)}"`,
    `data-admin="${input.admin}"`,
    ...(input.apiKeySid ? [`data-key="${esc(input.apiKeySid)}"`] : []),
    ...(input.item !== undefined ? [`data-item="${esc(input.item)}"`] : []),
  ].join(' ');
  const title = input.item !== undefined ? `${PAGES[page]} ${input.item}` : PAGES[page];
  return (
    head(
      title,
      `<meta name="loft-csrf" content="${esc(input.csrf)}">` +
        `<script type="module" src="/console/assets/main.js"></script>`,
    ) +
    `<body ${data}><a class="skip" href="#main">Skip to content</a>` +
    `<header class="top"><a class="brand" href="/console/${esc(accountSid)}/overview">Loft</a>` +
    `<nav aria-label="Console"><ul>${NAV.map((p) => navLink(accountSid, p, page)).join('')}</ul></nav>` +
    `<div class="who">` +
    `<label for="account-switch">Account</label>` +
    `<select id="account-switch" name="account">` +
    `<option value="${esc(accountSid)}" selected>${esc(input.accountName)} (${esc(accountSid)})</option>` +
    `</select>` +
    `<form method="post" action="/console/signout">` +
    `<input type="hidden" name="csrf" value="${esc(input.csrf)}">` +
    `<button type="submit">Sign out</button></form></div></header>` +
    `<main id="main" tabindex="-1"><h1>${esc(title)}</h1>` +
    `<div id="app"><p class="muted">Loading…</p></div></main>` +
    `<div id="toast" role="status" aria-live="polite"></div></body></html>`
  );
}

/** The sign-in page (no script needed). */
export function signInPage(input: { csrf: string; error?: string; username?: string }): string {
  const error = input.error
    ? `<p class="error" role="alert" id="signin-error">${esc(input.error)}</p>`
    : '';
  return (
    head('Sign in') +
    `<body class="signin"><main id="main"><h1>Sign in to Loft</h1>${error}` +
    `<form method="post" action="/console/signin"${
      input.error ? ' aria-describedby="signin-error"' : ''
    }>` +
    `<input type="hidden" name="csrf" value="${esc(input.csrf)}">` +
    `<label for="username">Account SID</label>` +
    `<input id="username" name="username" autocomplete="username" required spellcheck="false"` +
    ` autocapitalize="off" value="${esc(input.username ?? '')}" aria-describedby="username-hint">` +
    `<p class="hint" id="username-hint">An API key SID (SK…) works too.</p>` +
    `<label for="password">Auth Token</label>` +
    `<input id="password" name="password" type="password" autocomplete="current-password" required` +
    ` aria-describedby="password-hint">` +
    `<p class="hint" id="password-hint">Or the API key's secret.</p>` +
    `<button type="submit">Sign in</button></form>` +
    `<p class="hint">The main account's SID and auth token are printed when Loft starts.</p>` +
    `</main></body></html>`
  );
}

/** A plain page for errors a signed-in user can meet (an account that is not theirs). */
export function messagePage(title: string, text: string, link?: { href: string; label: string }) {
  return (
    head(title) +
    `<body class="signin"><main id="main"><h1>${esc(title)}</h1><p>${esc(text)}</p>` +
    (link ? `<p><a href="${esc(link.href)}">${esc(link.label)}</a></p>` : '') +
    `</main></body></html>`
  );
}
