import {
  api,
  consolePath,
  loftPath,
  type MessageJson,
  type MessagePage,
  type PageContext,
} from './api.js';
import { field, formValues, h, listener, render } from './dom.js';
import { badge, directionLabel, excerpt, price, shortWhen, STATUSES, when } from './format.js';

/** Filter fields as the form names them → the API's parameter names. */
const FILTERS: [string, string][] = [
  ['to', 'To'],
  ['from', 'From'],
  ['sent_after', 'DateSent>'],
  ['sent_before', 'DateSent<'],
  ['status', 'Status'],
  ['direction', 'Direction'],
  ['tag', 'Tags'],
  ['body', 'Body'],
];

/** The API query for the form's values (`tag` is `key=value` → Tags JSON). */
function apiQuery(values: Record<string, string>): URLSearchParams {
  const q = new URLSearchParams();
  for (const [name, param] of FILTERS) {
    const v = values[name]?.trim();
    if (!v) continue;
    if (name === 'tag') {
      const eq = v.indexOf('=');
      q.set(param, JSON.stringify(eq < 0 ? { [v]: '' } : { [v.slice(0, eq)]: v.slice(eq + 1) }));
    } else q.set(param, v);
  }
  return q;
}

/** One row of the log. */
function row(ctx: PageContext, m: MessageJson, fresh = false): HTMLTableRowElement {
  const tags = Object.entries(m.tags ?? {});
  return h(
    'tr',
    { 'data-sid': m.sid, class: fresh ? 'fresh' : null },
    h(
      'td',
      { class: 'nowrap' },
      h(
        'a',
        {
          href: consolePath(ctx, `messages/${m.sid}`),
          title: `${when(m.date_created)} · ${m.sid}`,
        },
        shortWhen(m.date_created),
      ),
    ),
    h('td', { class: 'opt nowrap' }, directionLabel(m.direction)),
    h('td', { class: 'mono' }, m.from ?? ''),
    h('td', { class: 'mono' }, m.to),
    h('td', { class: 'body', title: m.body ?? '' }, excerpt(m.body)),
    h('td', {}, badge(m.status)),
    h('td', { class: 'num opt' }, m.num_segments),
    h('td', { class: 'num opt nowrap' }, price(m.price, m.price_unit)),
    h(
      'td',
      { class: 'opt' },
      tags.map(([k, v]) => h('span', { class: 'tag' }, `${k}=${v}`)),
    ),
  );
}

/**
 * The message log: newest first, filters, keyset paging ("Load older"), and live updates over
 * Server-Sent Events: new messages appear at the top and badges change in place; when many
 * arrive at once, a "N new messages" bar offers to show them.
 */
export default async function messages(ctx: PageContext, app: HTMLElement): Promise<void> {
  const initial = new URLSearchParams(location.search);
  const form = h(
    'form',
    { class: 'filters card', role: 'search', 'aria-label': 'Filter messages' },
    field('To', 'to', { value: initial.get('to') ?? '', inputmode: 'tel' }),
    field('From', 'from', { value: initial.get('from') ?? '', inputmode: 'tel' }),
    field('Sent on or after', 'sent_after', {
      type: 'date',
      value: initial.get('sent_after') ?? '',
    }),
    field('Sent on or before', 'sent_before', {
      type: 'date',
      value: initial.get('sent_before') ?? '',
    }),
    field('Status', 'status', { value: initial.get('status') ?? '' }, 'select', [
      ['', 'Any'],
      ...STATUSES.map((s): [string, string] => [s, s]),
    ]),
    field('Direction', 'direction', { value: initial.get('direction') ?? '' }, 'select', [
      ['', 'Any'],
      ['inbound', 'inbound'],
      ['outbound', 'outbound'],
    ]),
    field('Tag (key=value)', 'tag', { value: initial.get('tag') ?? '' }),
    field('Body contains', 'body', { value: initial.get('body') ?? '', type: 'search' }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Apply filters'),
      h('button', { type: 'reset', class: 'secondary' }, 'Clear'),
    ),
  );
  const status = h('span', { class: 'live', role: 'status' }, 'Connecting…');
  const banner = h('div', { class: 'banner', hidden: true, role: 'status' });
  const tbody = h('tbody', {});
  const table = h(
    'table',
    { class: 'log', 'aria-label': 'Messages, newest first' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['Time', 'Direction', 'From', 'To', 'Body', 'Status', 'Segments', 'Price', 'Tags'].map(
          (t, i) => h('th', { scope: 'col', class: i >= 6 ? 'num' : null }, t),
        ),
      ),
    ),
    tbody,
  );
  const more = h(
    'button',
    { type: 'button', class: 'secondary', hidden: true },
    'Load older messages',
  );
  const note = h('p', { class: 'muted' });
  render(
    app,
    form,
    h('div', { class: 'actions' }, status),
    banner,
    h('div', { class: 'table-wrap' }, table),
    h('div', { class: 'actions' }, more, note),
  );

  let stream: EventSource | undefined;
  let next: string | null = null;
  let pending = 0;
  const rows = new Map<string, HTMLTableRowElement>();

  const add = (list: MessageJson[], where: 'top' | 'bottom', fresh = false) => {
    const made = list.filter((m) => !rows.has(m.sid)).map((m) => row(ctx, m, fresh));
    for (const r of made) rows.set(r.dataset['sid']!, r);
    if (where === 'top') tbody.prepend(...made);
    else tbody.append(...made);
  };
  const showBanner = () => {
    banner.hidden = pending === 0;
    render(
      banner,
      `${pending} new message${pending === 1 ? '' : 's'}`,
      h('button', { type: 'button', onclick: () => void load() }, 'Show them'),
    );
  };

  const load = async () => {
    stream?.close();
    pending = 0;
    showBanner();
    rows.clear();
    const values = formValues(form);
    const query = apiQuery(values);
    history.replaceState(null, '', `?${new URLSearchParams(values).toString()}`);
    const page = await api<MessagePage>(
      ctx,
      'GET',
      `${loftPath(ctx)}/Messages?${query.toString()}`,
    );
    render(tbody);
    add(page.messages, 'bottom');
    next = page.next_page_uri;
    more.hidden = next === null;
    note.textContent =
      page.messages.length === 0 ? 'No messages match.' : searchedNote(page, page.messages.length);
    if (page.live_token === undefined) {
      status.className = 'live';
      status.textContent = 'Live updates are off while filtering by date sent';
      return;
    }
    query.set('After', page.live_token);
    stream = new EventSource(`${loftPath(ctx)}/Messages/Stream?${query.toString()}`);
    stream.addEventListener('ready', () => {
      status.className = 'live on';
      status.textContent = 'Live';
    });
    stream.addEventListener('error', () => {
      status.className = 'live';
      status.textContent = 'Reconnecting…';
    });
    stream.addEventListener('messages', (e) => {
      const u = JSON.parse((e as MessageEvent<string>).data) as {
        messages: MessageJson[];
        new_count: number;
        changed: MessageJson[];
      };
      for (const m of u.changed) {
        const old = rows.get(m.sid);
        if (!old) continue;
        const r = row(ctx, m);
        old.replaceWith(r);
        rows.set(m.sid, r);
      }
      // Rows are inserted only while nothing is waiting behind the bar (order stays right).
      if (pending === 0 && u.new_count === u.messages.length) {
        add(u.messages, 'top', true);
        note.textContent = '';
      } else {
        pending += u.new_count;
        showBanner();
      }
    });
  };

  more.addEventListener(
    'click',
    listener(async () => {
      if (!next) return;
      more.disabled = true;
      try {
        const page = await api<MessagePage>(ctx, 'GET', next);
        add(page.messages, 'bottom');
        next = page.next_page_uri;
        more.hidden = next === null;
        note.textContent = searchedNote(page, rows.size);
      } finally {
        more.disabled = false;
      }
    }, 'More not loaded'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    void load();
  });
  form.addEventListener('reset', () => setTimeout(() => void load(), 0));
  window.addEventListener('pagehide', () => stream?.close());
  await load();
}

function searchedNote(page: MessagePage, shown: number): string {
  if (page.next_page_uri === null) return `${shown} shown; that is all.`;
  return page.scanned !== undefined && page.messages.length < 50
    ? `${shown} shown; searched ${page.scanned} more messages — load older to search further.`
    : `${shown} shown.`;
}
