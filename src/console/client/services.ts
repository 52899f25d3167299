import { accountPath, api, type PageContext } from './api.js';
import { actions, field, formValues, h, listener, render } from './dom.js';

interface ServiceJson {
  sid: string;
  friendly_name: string;
  inbound_request_url: string | null;
  fallback_url: string | null;
  status_callback: string | null;
}

interface PoolNumber {
  sid: string;
  phone_number: string;
}

function serviceFields(s?: ServiceJson): HTMLElement[] {
  return [
    field('Friendly name', 'FriendlyName', { required: true, value: s?.friendly_name ?? '' }),
    field('Inbound request URL', 'InboundRequestUrl', {
      type: 'url',
      value: s?.inbound_request_url ?? '',
    }),
    field('Fallback URL', 'FallbackUrl', { type: 'url', value: s?.fallback_url ?? '' }),
    field('Status callback URL', 'StatusCallback', {
      type: 'url',
      value: s?.status_callback ?? '',
    }),
  ];
}

/**
 * Messaging Services and their sender pools. Messaging v1 has no account in its paths: a
 * service is reached with its own account's credentials only, so a parent viewing a subaccount
 * is told to sign in as it.
 */
export default async function services(ctx: PageContext, app: HTMLElement): Promise<void> {
  if (ctx.account !== ctx.principal) {
    render(
      app,
      h(
        'p',
        {},
        'Messaging Services are reached with their own account’s credentials only (Messaging v1 has no account in its paths). Sign in with this subaccount’s SID and auth token to manage its services.',
      ),
    );
    return;
  }
  const reload = async () => {
    const [list, numbers] = await Promise.all([
      api<{ services: ServiceJson[] }>(ctx, 'GET', '/v1/Services?PageSize=100'),
      api<{ incoming_phone_numbers: PoolNumber[] }>(
        ctx,
        'GET',
        `${accountPath(ctx)}/IncomingPhoneNumbers.json?PageSize=200`,
      ),
    ]);
    const cards = await Promise.all(
      list.services.map(async (s) => {
        const pool = await api<{ phone_numbers: PoolNumber[] }>(
          ctx,
          'GET',
          `/v1/Services/${s.sid}/PhoneNumbers?PageSize=100`,
        );
        const inPool = new Set(pool.phone_numbers.map((p) => p.sid));
        const edit = h(
          'form',
          { class: 'grid', 'aria-label': `Edit ${s.friendly_name}` },
          ...serviceFields(s),
          h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Save service')),
        );
        edit.addEventListener(
          'submit',
          listener(async (e) => {
            e.preventDefault();
            const v: Record<string, string> = {};
            for (const [k, val] of new FormData(edit)) if (typeof val === 'string') v[k] = val;
            await act(`${s.friendly_name} saved`, () =>
              api(ctx, 'POST', `/v1/Services/${s.sid}`, { form: v }),
            );
          }),
        );
        const candidates = numbers.incoming_phone_numbers.filter((n) => !inPool.has(n.sid));
        const add = h(
          'form',
          { class: 'grid', 'aria-label': `Add a number to ${s.friendly_name}` },
          field(
            'Number to add',
            'PhoneNumberSid',
            {},
            'select',
            candidates.map((n): [string, string] => [n.sid, n.phone_number]),
          ),
          h(
            'div',
            { class: 'actions' },
            h('button', { type: 'submit', disabled: candidates.length === 0 }, 'Add to pool'),
          ),
        );
        add.addEventListener(
          'submit',
          listener(async (e) => {
            e.preventDefault();
            await act('Number added', () =>
              api(ctx, 'POST', `/v1/Services/${s.sid}/PhoneNumbers`, { form: formValues(add) }),
            );
          }),
        );
        return h(
          'section',
          { class: 'card', 'aria-labelledby': `svc-${s.sid}` },
          h(
            'h2',
            { id: `svc-${s.sid}` },
            s.friendly_name,
            ' ',
            h('span', { class: 'muted mono' }, s.sid),
          ),
          edit,
          h('h3', {}, `Sender pool (${pool.phone_numbers.length})`),
          h(
            'ul',
            {},
            pool.phone_numbers.map((p) =>
              h(
                'li',
                {},
                h('span', { class: 'mono' }, p.phone_number),
                ' ',
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'aria-label': `Remove ${p.phone_number} from ${s.friendly_name}`,
                    onclick: () =>
                      void act('Number removed', () =>
                        api(ctx, 'DELETE', `/v1/Services/${s.sid}/PhoneNumbers/${p.sid}`),
                      ),
                  },
                  'Remove',
                ),
              ),
            ),
          ),
          add,
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'danger',
                onclick: listener(async () => {
                  if (confirm(`Delete ${s.friendly_name}?`))
                    await act('Service deleted', () => api(ctx, 'DELETE', `/v1/Services/${s.sid}`));
                }),
              },
              `Delete ${s.friendly_name}`,
            ),
          ),
        );
      }),
    );
    const create = h(
      'form',
      { class: 'grid card', 'aria-labelledby': 'new-service' },
      ...serviceFields(),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Create service')),
    );
    create.addEventListener(
      'submit',
      listener(async (e) => {
        e.preventDefault();
        await act('Service created', () =>
          api(ctx, 'POST', '/v1/Services', { form: formValues(create) }),
        );
      }),
    );
    render(
      app,
      list.services.length === 0 ? h('p', {}, 'No Messaging Services yet.') : null,
      cards,
      h('h2', { id: 'new-service' }, 'New Messaging Service'),
      create,
    );
  };
  const act = actions(() => reload());
  await reload();
}
