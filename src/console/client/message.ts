import {
  accountPath,
  api,
  ApiError,
  consolePath,
  loftPath,
  type MessageJson,
  type PageContext,
} from './api.js';
import { copy, h, listener, render, toast } from './dom.js';
import { badge, errorLink, FINAL, price, when } from './format.js';

interface Attempt {
  url: string;
  method: string;
  params: Record<string, string | string[]>;
  signature: string | null;
  response_status: number | null;
  response_excerpt: string | null;
  error: string | null;
  latency_ms: number;
  date: string;
  next_retry: string | null;
}

interface Media {
  sid: string;
  content_type: string | null;
  uri: string;
}

/** "Copy as …": the API call that fetches this message, credentials from the environment. */
function snippets(m: MessageJson, origin: string): Record<string, string> {
  const url = `${origin}${m.uri}`;
  return {
    curl: `curl -u "$TWILIO_ACCOUNT_SID:$TWILIO_AUTH_TOKEN" \\\n  "${url}"`,
    Node:
      `import twilio from 'twilio';\n` +
      `const client = twilio(process.env.TWILIO_ACCOUNT_SID, process.env.TWILIO_AUTH_TOKEN, {\n` +
      `  accountSid: '${m.account_sid}',\n});\n` +
      `client.api.baseUrl = '${origin}';\n` +
      `const message = await client.messages('${m.sid}').fetch();`,
    Python:
      `import os\nfrom twilio.rest import Client\n\n` +
      `client = Client(os.environ["TWILIO_ACCOUNT_SID"], os.environ["TWILIO_AUTH_TOKEN"], "${m.account_sid}")\n` +
      `client.api.base_url = "${origin}"\n` +
      `message = client.messages("${m.sid}").fetch()`,
  };
}

/** A JSON field's value as text. */
const show = (v: unknown): string =>
  typeof v === 'string' ? v : v === undefined ? 'undefined' : JSON.stringify(v);

function attemptCard(a: Attempt, i: number): HTMLElement {
  const failed = a.error !== null || a.response_status === null || a.response_status >= 400;
  const params = Object.entries(a.params);
  return h(
    'li',
    { class: `card attempt${failed ? ' failed' : ''}`, 'data-status': a.response_status ?? 'none' },
    h(
      'h3',
      {},
      `Attempt ${i + 1}: `,
      a.response_status !== null ? `HTTP ${a.response_status}` : 'no response',
      failed ? ' (failed)' : '',
    ),
    h(
      'dl',
      { class: 'fields' },
      h('dt', {}, 'URL'),
      h('dd', {}, `${a.method} ${a.url}`),
      h('dt', {}, 'When'),
      h('dd', {}, when(a.date)),
      h('dt', {}, 'Latency'),
      h('dd', {}, `${a.latency_ms} ms`),
      a.error !== null && [h('dt', {}, 'Error'), h('dd', { class: 'error' }, a.error)],
      h('dt', {}, 'X-Twilio-Signature'),
      h('dd', { class: 'mono' }, a.signature ?? '—'),
      h('dt', {}, 'Next retry'),
      h('dd', {}, a.next_retry ? when(a.next_retry) : '—'),
    ),
    h(
      'details',
      {},
      h('summary', {}, `Parameters (${params.length})`),
      h(
        'dl',
        { class: 'fields' },
        params.map(([k, v]) => [h('dt', {}, k), h('dd', {}, Array.isArray(v) ? v.join(', ') : v)]),
      ),
    ),
    a.response_excerpt !== null &&
      h('details', {}, h('summary', {}, 'Response'), h('pre', {}, a.response_excerpt)),
  );
}

/**
 * A message: its Twilio JSON, status timeline, webhook attempts, media, error code, and the
 * actions redact, delete, cancel and "copy as". Refreshes itself while the message or its
 * webhooks are still moving.
 */
export default async function message(ctx: PageContext, app: HTMLElement): Promise<void> {
  const sid = ctx.item ?? '';
  const base = `${accountPath(ctx)}/Messages/${sid}`;
  let refresh: ReturnType<typeof setTimeout> | undefined;
  const started = Date.now();

  const load = async (): Promise<void> => {
    let m: MessageJson;
    try {
      m = await api<MessageJson>(ctx, 'GET', `${base}.json`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        render(app, h('p', {}, 'This message does not exist (any more).'), back(ctx));
        return;
      }
      throw e;
    }
    const [events, attempts, media] = await Promise.all([
      api<{ events: { status: string; error_code: number | null; date: string }[] }>(
        ctx,
        'GET',
        `${loftPath(ctx)}/Messages/${sid}/Events`,
      ),
      api<{ attempts: Attempt[] }>(ctx, 'GET', `${loftPath(ctx)}/Messages/${sid}/WebhookAttempts`),
      api<{ media_list: Media[] }>(ctx, 'GET', `${base}/Media.json`),
    ]);
    render(app, ...view(ctx, m, events.events, attempts.attempts, media.media_list, load));
    const moving = !FINAL.has(m.status) || attempts.attempts.some((a) => a.next_retry !== null);
    if (moving && Date.now() - started < 5 * 60_000) refresh = setTimeout(() => void load(), 1000);
  };
  window.addEventListener('pagehide', () => clearTimeout(refresh));
  await load();
  if (location.hash) document.querySelector(location.hash)?.scrollIntoView();
}

const back = (ctx: PageContext) =>
  h('p', {}, h('a', { href: consolePath(ctx, 'messages') }, '← All messages'));

function view(
  ctx: PageContext,
  m: MessageJson,
  events: { status: string; error_code: number | null; date: string }[],
  attempts: Attempt[],
  media: Media[],
  reload: () => Promise<void>,
): HTMLElement[] {
  const act = (label: string, confirmText: string, run: () => Promise<unknown>, danger = false) =>
    h(
      'button',
      {
        type: 'button',
        class: danger ? 'danger' : 'secondary',
        onclick: listener(async () => {
          if (!confirm(confirmText)) return;
          try {
            await run();
            toast(`${label}: done`);
          } catch (e) {
            toast(`${label} refused: ${e instanceof Error ? e.message : String(e)}`);
          }
        }),
      },
      label,
    );
  const base = `${accountPath(ctx)}/Messages/${m.sid}`;
  const code = snippets(m, location.origin);
  const codeBox = h('pre', { hidden: true, 'aria-live': 'polite' });
  return [
    back(ctx),
    h(
      'section',
      { class: 'card', 'aria-labelledby': 'summary' },
      h('h2', { id: 'summary' }, badge(m.status), ' ', `${m.from ?? '?'} → ${m.to}`),
      h('p', { class: 'muted' }, `${m.direction} · created ${when(m.date_created)}`),
      h('pre', { 'aria-label': 'Body' }, m.body === '' ? '(empty: redacted or no text)' : m.body),
      m.error_code !== null && h('p', {}, 'Error ', errorLink(m.error_code, m.error_message)),
      h('p', {}, `Price: ${price(m.price, m.price_unit)} · ${m.num_segments} segment(s)`),
      h(
        'div',
        { class: 'actions' },
        m.body !== '' &&
          act('Redact', 'Erase this message’s body everywhere Loft keeps it?', async () => {
            await api(ctx, 'POST', `${base}.json`, { form: { Body: '' } });
            await reload();
          }),
        m.status === 'scheduled' &&
          act('Cancel', 'Cancel this scheduled message?', async () => {
            await api(ctx, 'POST', `${base}.json`, { form: { Status: 'canceled' } });
            await reload();
          }),
        act(
          'Delete',
          'Delete this message with its media, history and webhook log?',
          async () => {
            await api(ctx, 'DELETE', `${base}.json`);
            location.assign(consolePath(ctx, 'messages'));
          },
          true,
        ),
      ),
      h(
        'div',
        { class: 'actions', role: 'group', 'aria-label': 'Copy the API call that fetches it' },
        'Copy as:',
        Object.entries(code).map(([lang, text]) =>
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-copy': lang,
              onclick: () => {
                codeBox.hidden = false;
                codeBox.textContent = text;
                void copy(text, `${lang} code copied`);
              },
            },
            lang,
          ),
        ),
      ),
      codeBox,
    ),
    h(
      'section',
      { 'aria-labelledby': 'timeline' },
      h('h2', { id: 'timeline' }, 'Status timeline'),
      h(
        'ol',
        { class: 'timeline' },
        events.map((e) =>
          h(
            'li',
            { 'data-status': e.status },
            badge(e.status),
            ' ',
            h('time', { datetime: e.date }, when(e.date)),
            e.error_code !== null && [' · ', errorLink(e.error_code)],
          ),
        ),
      ),
    ),
    media.length > 0 &&
      h(
        'section',
        { 'aria-labelledby': 'media', class: 'media' },
        h('h2', { id: 'media' }, `Media (${media.length})`),
        h(
          'ul',
          { class: 'actions' },
          media.map((f) => {
            const url = f.uri.replace(/\.json$/, '');
            return h(
              'li',
              {},
              f.content_type?.startsWith('image/')
                ? h(
                    'a',
                    { href: url },
                    h('img', { src: url, alt: `Image ${f.sid} (${f.content_type})` }),
                  )
                : h(
                    'a',
                    { href: url, download: f.sid },
                    `Download ${f.sid} (${f.content_type ?? 'unknown type'})`,
                  ),
            );
          }),
        ),
      ),
    h(
      'section',
      { 'aria-labelledby': 'attempts', id: 'attempts-section' },
      h('h2', { id: 'attempts' }, `Webhook attempts (${attempts.length})`),
      attempts.length === 0
        ? h('p', { class: 'muted' }, 'No status callback or webhook was requested for it.')
        : h('ol', { class: 'attempts', role: 'list' }, attempts.map(attemptCard)),
    ),
    h(
      'section',
      { 'aria-labelledby': 'json' },
      h('h2', { id: 'json' }, 'Every field'),
      h(
        'dl',
        { class: 'fields card' },
        Object.entries(m).map(([k, v]) => [h('dt', {}, k), h('dd', { 'data-field': k }, show(v))]),
      ),
    ),
  ].filter((x): x is HTMLElement => x instanceof HTMLElement);
}
