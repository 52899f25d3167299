import { api, consolePath, loftPath, type PageContext } from './api.js';
import { field, h, render } from './dom.js';
import { excerpt, when } from './format.js';

interface HandsetRow {
  handset: string;
  messages: number;
  last_body: string | null;
  last_direction: string;
  last_date: string;
}

/** The virtual handsets with recent traffic, and a way to open any other one. */
export default async function handsets(ctx: PageContext, app: HTMLElement): Promise<void> {
  const list = await api<{ handsets: HandsetRow[] }>(ctx, 'GET', `${loftPath(ctx)}/Handsets`);
  const open = h(
    'form',
    { class: 'grid card', 'aria-label': 'Open a handset' },
    field('Handset number (E.164)', 'number', {
      required: true,
      placeholder: '+14155550100',
      inputmode: 'tel',
      pattern: '\\+[1-9][0-9]{1,14}',
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Open handset')),
  );
  open.addEventListener('submit', (e) => {
    e.preventDefault();
    const n = (new FormData(open).get('number') as string).trim();
    location.assign(consolePath(ctx, `handsets/${encodeURIComponent(n)}`));
  });
  render(
    app,
    h(
      'p',
      { class: 'muted' },
      'Virtual handsets of the simulated network that exchanged messages with this account lately.',
    ),
    list.handsets.length === 0
      ? h('p', {}, 'No handset has traffic yet. Open one to text your numbers.')
      : h(
          'div',
          { class: 'table-wrap' },
          h(
            'table',
            { 'aria-label': 'Handsets' },
            h(
              'thead',
              {},
              h(
                'tr',
                {},
                ['Handset', 'Messages', 'Latest', 'When'].map((t) => h('th', { scope: 'col' }, t)),
              ),
            ),
            h(
              'tbody',
              {},
              list.handsets.map((r) =>
                h(
                  'tr',
                  {},
                  h(
                    'td',
                    { class: 'mono' },
                    h(
                      'a',
                      { href: consolePath(ctx, `handsets/${encodeURIComponent(r.handset)}`) },
                      r.handset,
                    ),
                  ),
                  h('td', { class: 'num' }, String(r.messages)),
                  h(
                    'td',
                    { class: 'body' },
                    `${r.last_direction === 'inbound' ? 'Sent: ' : 'Received: '}${excerpt(r.last_body, 60)}`,
                  ),
                  h('td', {}, when(r.last_date)),
                ),
              ),
            ),
          ),
        ),
    h('h2', {}, 'Another handset'),
    open,
  );
}
