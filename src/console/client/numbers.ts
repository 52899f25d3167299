import { accountPath, api, type PageContext } from './api.js';
import { field, formValues, h, listener, render, toast } from './dom.js';

interface NumberJson {
  sid: string;
  phone_number: string;
  friendly_name: string;
  sms_url: string;
  sms_method: string;
  sms_fallback_url: string;
  status_callback: string;
}

const METHODS: [string, string][] = [
  ['POST', 'POST'],
  ['GET', 'GET'],
];

/** The number fields a form edits, by API parameter. */
function numberFields(n?: NumberJson): HTMLElement[] {
  return [
    field('Friendly name', 'FriendlyName', { value: n?.friendly_name ?? '' }),
    field('SMS URL (your webhook)', 'SmsUrl', {
      type: 'url',
      value: n?.sms_url ?? '',
      placeholder: 'http://localhost:4000/sms',
    }),
    field('SMS method', 'SmsMethod', { value: n?.sms_method ?? 'POST' }, 'select', METHODS),
    field('SMS fallback URL', 'SmsFallbackUrl', { type: 'url', value: n?.sms_fallback_url ?? '' }),
    field('Status callback URL', 'StatusCallback', {
      type: 'url',
      value: n?.status_callback ?? '',
    }),
  ];
}

/** The account's numbers: list, register (Loft's way of buying one), edit, release. */
export default async function numbers(ctx: PageContext, app: HTMLElement): Promise<void> {
  const list = `${accountPath(ctx)}/IncomingPhoneNumbers`;
  const reload = async () => {
    const page = await api<{ incoming_phone_numbers: NumberJson[] }>(
      ctx,
      'GET',
      `${list}.json?PageSize=200`,
    );
    const register = h(
      'form',
      { class: 'grid card', 'aria-labelledby': 'register' },
      field('Phone number (E.164)', 'PhoneNumber', {
        required: true,
        placeholder: '+15017122661',
        inputmode: 'tel',
      }),
      ...numberFields(),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Register number')),
    );
    register.addEventListener(
      'submit',
      listener(async (e) => {
        e.preventDefault();
        try {
          const v = formValues(register);
          await api(ctx, 'POST', `${list}.json`, { form: v });
          toast(`${v['PhoneNumber']} registered`);
          await reload();
        } catch (err) {
          toast(`Not registered: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    const editor = h('div', {});
    const edit = (n: NumberJson) => {
      const form = h(
        'form',
        { class: 'grid card', 'aria-labelledby': 'edit' },
        ...numberFields(n),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'submit' }, 'Save'),
          h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => render(editor) },
            'Cancel',
          ),
        ),
      );
      form.addEventListener(
        'submit',
        listener(async (e) => {
          e.preventDefault();
          // Every field is sent, so clearing one empties it.
          const v: Record<string, string> = {};
          for (const [k, val] of new FormData(form)) if (typeof val === 'string') v[k] = val;
          try {
            await api(ctx, 'POST', `${list}/${n.sid}.json`, { form: v });
            toast(`${n.phone_number} saved`);
            await reload();
          } catch (err) {
            toast(`Not saved: ${err instanceof Error ? err.message : String(err)}`);
          }
        }),
      );
      render(editor, h('h2', { id: 'edit' }, `Edit ${n.phone_number}`), form);
      form.querySelector('input')?.focus();
    };
    render(
      app,
      page.incoming_phone_numbers.length === 0
        ? h('p', {}, 'No numbers yet. Register one to send from it and to text it from a handset.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'aria-label': 'Phone numbers' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Number', 'Name', 'SMS URL', 'Fallback', 'Status callback', 'Actions'].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                page.incoming_phone_numbers.map((n) =>
                  h(
                    'tr',
                    { 'data-sid': n.sid },
                    h('td', { class: 'mono' }, n.phone_number),
                    h('td', {}, n.friendly_name),
                    h('td', { class: 'mono' }, n.sms_url ? `${n.sms_method} ${n.sms_url}` : '—'),
                    h('td', { class: 'mono' }, n.sms_fallback_url || '—'),
                    h('td', { class: 'mono' }, n.status_callback || '—'),
                    h(
                      'td',
                      {},
                      h(
                        'div',
                        { class: 'actions' },
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'secondary',
                            'aria-label': `Edit ${n.phone_number}`,
                            onclick: () => edit(n),
                          },
                          'Edit',
                        ),
                        h(
                          'button',
                          {
                            type: 'button',
                            class: 'danger',
                            'aria-label': `Release ${n.phone_number}`,
                            onclick: listener(async () => {
                              if (!confirm(`Release ${n.phone_number}?`)) return;
                              await api(ctx, 'DELETE', `${list}/${n.sid}.json`);
                              await reload();
                            }, 'Not released'),
                          },
                          'Release',
                        ),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
      editor,
      h('h2', { id: 'register' }, 'Register a number'),
      register,
    );
  };
  await reload();
}
