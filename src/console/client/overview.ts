import { api, consolePath, loftPath, type PageContext } from './api.js';
import { h, render, svg } from './dom.js';
import { errorLink, when } from './format.js';

interface Overview {
  messages: number;
  sampled: boolean;
  statuses: string[];
  per_minute: { minute: string; counts: Record<string, number> }[];
  error_codes: {
    error_code: number;
    error_message: string | null;
    count: number;
    latest_message_sid: string;
  }[];
  queue: { depth: number; oldest_message_sid: string | null; oldest_date_created: string | null };
  webhooks: {
    attempts: number;
    failures: number;
    recent_failures: {
      message_sid: string;
      url: string;
      response_status: number | null;
      error: string | null;
      date: string;
    }[];
  };
}

/** Messages per minute by status over the hour, as stacked bars in inline SVG. */
function chart(o: Overview): HTMLElement {
  const W = 720;
  const H = 200;
  const pad = 28;
  const max = Math.max(
    1,
    ...o.per_minute.map((b) => Object.values(b.counts).reduce((a, n) => a + n, 0)),
  );
  const bw = (W - pad) / o.per_minute.length;
  const bars: SVGElement[] = [];
  o.per_minute.forEach((b, i) => {
    let y = H - pad;
    for (const s of o.statuses) {
      const n = b.counts[s] ?? 0;
      if (n === 0) continue;
      const hgt = ((H - 2 * pad) * n) / max;
      y -= hgt;
      bars.push(
        svg(
          'rect',
          { x: pad + i * bw + 1, y, width: Math.max(1, bw - 2), height: hgt, class: `s-${s}` },
          svg('title', {}, `${new Date(b.minute).toLocaleTimeString()}: ${n} ${s}`),
        ),
      );
    }
  });
  const total = o.per_minute.reduce(
    (a, b) => a + Object.values(b.counts).reduce((x, n) => x + n, 0),
    0,
  );
  const first = o.per_minute[0]?.minute;
  const graphic = svg(
    'svg',
    {
      viewBox: `0 0 ${W} ${H}`,
      role: 'img',
      'aria-label': `Messages per minute by status over the last hour: ${total} in all, at most ${max} in one minute`,
    },
    svg('line', { x1: pad, y1: H - pad, x2: W, y2: H - pad, class: 'axis' }),
    svg('line', { x1: pad, y1: pad, x2: pad, y2: H - pad, class: 'axis' }),
    svg('text', { x: 2, y: pad + 4 }, String(max)),
    svg('text', { x: 2, y: H - pad }, '0'),
    svg(
      'text',
      { x: pad, y: H - 8 },
      first ? new Date(first).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '',
    ),
    svg('text', { x: W - 40, y: H - 8 }, 'now'),
    ...bars,
  );
  return h(
    'figure',
    { class: 'chart card' },
    graphic,
    h(
      'figcaption',
      {},
      h(
        'ul',
        { class: 'legend' },
        o.statuses.map((s) =>
          h('li', {}, h('span', { class: `s-${s}`, 'aria-hidden': 'true' }), s),
        ),
      ),
    ),
  );
}

const stat = (label: string, value: string | number, extra?: HTMLElement | null) =>
  h(
    'div',
    { class: 'stat' },
    h('span', { class: 'muted' }, label),
    h('strong', {}, String(value)),
    extra ?? null,
  );

/** The last hour at a glance; refreshed every 10 seconds. */
export default async function overview(ctx: PageContext, app: HTMLElement): Promise<void> {
  const draw = async () => {
    const o = await api<Overview>(ctx, 'GET', `${loftPath(ctx)}/Overview`);
    const msg = (sid: string, hash = '') => consolePath(ctx, `messages/${sid}${hash}`);
    render(
      app,
      h(
        'div',
        { class: 'stats' },
        stat('Messages, last hour', o.messages + (o.sampled ? '+' : '')),
        stat(
          'Queue depth',
          o.queue.depth,
          o.queue.oldest_message_sid
            ? h(
                'a',
                { href: msg(o.queue.oldest_message_sid) },
                `oldest: ${when(o.queue.oldest_date_created)}`,
              )
            : h('span', { class: 'muted' }, 'nothing waiting'),
        ),
        stat(
          'Webhook failures, last hour',
          o.webhooks.failures,
          h('span', { class: 'muted' }, `of ${o.webhooks.attempts} attempts`),
        ),
        stat('Error codes', o.error_codes.length),
      ),
      h('h2', {}, 'Messages per minute by status'),
      chart(o),
      h('h2', {}, 'Error codes'),
      o.error_codes.length === 0
        ? h('p', { class: 'muted' }, 'No errors in the last hour.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'aria-label': 'Error codes, most frequent first' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Error', 'Messages', 'Latest'].map((t) => h('th', { scope: 'col' }, t)),
                ),
              ),
              h(
                'tbody',
                {},
                o.error_codes.map((e) =>
                  h(
                    'tr',
                    {},
                    h('td', {}, errorLink(e.error_code, e.error_message)),
                    h('td', { class: 'num' }, String(e.count)),
                    h(
                      'td',
                      {},
                      h(
                        'a',
                        { href: msg(e.latest_message_sid), class: 'mono' },
                        e.latest_message_sid,
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
      h('h2', {}, 'Webhook failures, last hour'),
      o.webhooks.recent_failures.length === 0
        ? h('p', { class: 'muted' }, 'None.')
        : h(
            'ul',
            {},
            o.webhooks.recent_failures.map((f) =>
              h(
                'li',
                {},
                h(
                  'a',
                  { href: msg(f.message_sid, '#attempts') },
                  `${when(f.date)} · ${f.response_status !== null ? `HTTP ${f.response_status}` : (f.error ?? 'failed')}`,
                ),
                ' ',
                h('span', { class: 'mono muted' }, f.url),
              ),
            ),
          ),
    );
  };
  await draw();
  const timer = setInterval(() => void draw().catch(() => undefined), 10_000);
  window.addEventListener('pagehide', () => clearInterval(timer));
}
