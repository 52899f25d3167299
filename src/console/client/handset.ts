import { accountPath, api, ApiError, consolePath, type PageContext } from './api.js';
import { copy, field, h, listener, render, toast, type Child } from './dom.js';
import { OTP, when } from './format.js';

interface Entry {
  sid: string;
  direction: 'received' | 'sent';
  from: string | null;
  to: string | null;
  body: string;
  media_urls: string[];
  codes?: string[];
  date: string;
}

/** A body with its one-time codes highlighted, each with a copy button. */
function withCodes(body: string, codes: boolean): Child[] {
  if (!codes) return [body];
  const out: Child[] = [];
  let last = 0;
  for (const m of body.matchAll(OTP)) {
    const at = m.index ?? 0;
    out.push(body.slice(last, at));
    const code = m[0];
    out.push(
      h('mark', { class: 'otp' }, code),
      h(
        'button',
        {
          type: 'button',
          class: 'otp-copy',
          'aria-label': `Copy code ${code}`,
          onclick: () => void copy(code, `Code ${code} copied`),
        },
        'Copy',
      ),
    );
    last = at + code.length;
  }
  out.push(body.slice(last));
  return out;
}

/**
 * One virtual handset as a phone: its conversation with the account's numbers in both
 * directions (long-polled, so replies appear as they arrive), one-time codes highlighted, and a
 * compose box that texts one of the account's numbers (`POST /sim/handsets/{E164}/messages`).
 */
export default async function handset(ctx: PageContext, app: HTMLElement): Promise<void> {
  const number = ctx.item ?? '';
  const path = `/sim/handsets/${encodeURIComponent(number)}/messages`;
  const numbers = await api<{
    incoming_phone_numbers: { phone_number: string; friendly_name: string }[];
  }>(ctx, 'GET', `${accountPath(ctx)}/IncomingPhoneNumbers.json?PageSize=200`);
  const bubbles = h('div', {
    class: 'bubbles',
    role: 'log',
    'aria-label': `Conversation of ${number}`,
    'aria-live': 'polite',
  });
  const compose = h(
    'form',
    { class: 'compose', 'aria-label': 'Text from this handset' },
    field(
      'To (your number)',
      'to',
      { required: true },
      'select',
      numbers.incoming_phone_numbers.map((n): [string, string] => [
        n.phone_number,
        `${n.phone_number}${n.friendly_name && n.friendly_name !== n.phone_number ? ` · ${n.friendly_name}` : ''}`,
      ]),
    ),
    field('Message', 'body', { required: true, rows: 3 }, 'textarea'),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Send from handset')),
  );
  render(
    app,
    h('p', {}, h('a', { href: consolePath(ctx, 'handsets') }, '← All handsets')),
    h(
      'div',
      { class: 'phone' },
      bubbles,
      numbers.incoming_phone_numbers.length > 0
        ? compose
        : h(
            'p',
            { class: 'muted' },
            'This account has no number to text yet: register one under Numbers.',
          ),
    ),
  );

  const shown = new Map<string, Entry>();
  const draw = () => {
    const all = [...shown.values()].sort((a, b) => a.date.localeCompare(b.date));
    render(
      bubbles,
      all.length === 0 ? h('p', { class: 'muted' }, 'No messages yet.') : null,
      all.map((e) =>
        h(
          'div',
          { class: `bubble ${e.direction === 'sent' ? 'out' : 'in'}`, 'data-sid': e.sid },
          h(
            'small',
            {},
            `${e.direction === 'sent' ? `To ${e.to ?? ''}` : `From ${e.from ?? ''}`} · ${when(e.date)}`,
          ),
          ...withCodes(e.body, (e.codes?.length ?? 0) > 0),
          e.media_urls.map((u) => h('div', {}, h('a', { href: u }, 'Media'))),
        ),
      ),
    );
    bubbles.scrollTop = bubbles.scrollHeight;
  };
  const take = (list: Entry[]) => {
    for (const e of list) shown.set(e.sid, e);
    draw();
  };
  take((await api<{ messages: Entry[] }>(ctx, 'GET', path)).messages);

  compose.addEventListener(
    'submit',
    listener(async (e) => {
      e.preventDefault();
      const data = new FormData(compose);
      const button = compose.querySelector('button');
      if (button) button.disabled = true;
      try {
        await api(ctx, 'POST', path, { json: { to: data.get('to'), body: data.get('body') } });
        (compose.querySelector('textarea') as HTMLTextAreaElement).value = '';
        await refresh();
      } catch (err) {
        toast(`Not sent: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        if (button) button.disabled = false;
      }
    }),
  );

  const refresh = async () => take((await api<{ messages: Entry[] }>(ctx, 'GET', path)).messages);
  // Long-poll for what arrives next (replies from the app's TwiML, messages it sends).
  let stopped = false;
  window.addEventListener('pagehide', () => (stopped = true));
  const newest = () => [...shown.values()].sort((a, b) => b.date.localeCompare(a.date))[0];
  while (!stopped) {
    try {
      const after = newest();
      const q = new URLSearchParams({ wait: '25', ...(after ? { after: after.sid } : {}) });
      take((await api<{ messages: Entry[] }>(ctx, 'GET', `${path}?${q.toString()}`)).messages);
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) return;
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
}
