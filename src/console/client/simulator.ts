import { api, type PageContext } from './api.js';
import { actions, field, formValues, h, listener, render } from './dom.js';

interface Outcome {
  status: string;
  errorCode?: number;
}

interface Rule {
  id: string;
  accountSid: string | null;
  match: string;
  outcome?: Outcome;
  mix?: { probability: number; outcome: Outcome }[];
  delayMs?: number;
}

const OUTCOMES: [string, string][] = [
  ['undelivered:30003', 'undelivered 30003 (unreachable handset)'],
  ['undelivered:30005', 'undelivered 30005 (unknown handset)'],
  ['undelivered:30006', 'undelivered 30006 (landline)'],
  ['undelivered:30007', 'undelivered 30007 (filtered)'],
  ['undelivered:30008', 'undelivered 30008 (unknown error)'],
  ['failed', 'failed'],
  ['no-dlr', 'no delivery report (stays sent)'],
  ['delivered', 'delivered'],
];

const outcomeText = (o: Outcome): string => (o.errorCode ? `${o.status} ${o.errorCode}` : o.status);

const ruleText = (r: {
  outcome?: Outcome;
  mix?: { probability: number; outcome: Outcome }[];
}): string =>
  r.outcome
    ? outcomeText(r.outcome)
    : (r.mix ?? [])
        .map((m) => `${Math.round(m.probability * 1000) / 10} % ${outcomeText(m.outcome)}`)
        .join(', ');

/** Reads a "probability in %" and an outcome into a rule's `outcome` or `mix`. */
function outcomeOf(
  v: Record<string, string>,
): { outcome: string } | { mix: { probability: number; outcome: string }[] } {
  const p = Number(v['probability'] ?? '100');
  const outcome = v['outcome'] ?? 'delivered';
  return p >= 100 ? { outcome } : { mix: [{ probability: p / 100, outcome }] };
}

/**
 * The simulated network: failure rules (the account's own, and network-wide ones for the main
 * account), the network-wide chaos mix and the delivery delay (main account only).
 */
export default async function simulator(ctx: PageContext, app: HTMLElement): Promise<void> {
  const reload = async () => {
    const { rules } = await api<{ rules: Rule[] }>(ctx, 'GET', '/sim/rules');
    const mine = rules.filter(
      (r) =>
        r.accountSid === null ||
        r.accountSid === ctx.account ||
        (ctx.admin && ctx.account === ctx.principal),
    );
    const add = h(
      'form',
      { class: 'grid card', 'aria-labelledby': 'add-rule' },
      field('Number or pattern', 'match', {
        required: true,
        placeholder: '+14155550123, +1555*, /^\\+44/',
        spellcheck: 'false',
      }),
      field('Outcome', 'outcome', {}, 'select', OUTCOMES),
      field('Probability (%)', 'probability', {
        type: 'number',
        min: 0,
        max: 100,
        step: 'any',
        value: 100,
      }),
      field('Extra delay (ms)', 'delayMs', { type: 'number', min: 0, step: 1 }),
      field(
        'Applies to',
        'scope',
        {},
        'select',
        ctx.admin && ctx.account === ctx.principal
          ? [
              ['account', 'this account’s messages'],
              ['network', 'every account (network-wide)'],
            ]
          : [['account', 'this account’s messages']],
      ),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Add rule')),
    );
    add.addEventListener(
      'submit',
      listener(async (e) => {
        e.preventDefault();
        const v = formValues(add);
        const body = {
          match: v['match'],
          accountSid: v['scope'] === 'network' ? null : ctx.account,
          ...outcomeOf(v),
          ...(v['delayMs'] ? { delayMs: Number(v['delayMs']) } : {}),
        };
        await act('Rule added', () => api(ctx, 'POST', '/sim/rules', { json: body }));
      }),
    );
    const parts: HTMLElement[] = [
      h(
        'p',
        { class: 'muted' },
        'Rules decide what the simulated network does with a message to a matching handset. The account’s own rules are checked first, then network-wide ones; the first match wins.',
      ),
      mine.length === 0
        ? h('p', {}, 'No rules: every message is delivered.')
        : h(
            'div',
            { class: 'table-wrap' },
            h(
              'table',
              { 'aria-label': 'Failure rules' },
              h(
                'thead',
                {},
                h(
                  'tr',
                  {},
                  ['Match', 'Outcome', 'Delay', 'Applies to', ''].map((t) =>
                    h('th', { scope: 'col' }, t),
                  ),
                ),
              ),
              h(
                'tbody',
                {},
                mine.map((r) =>
                  h(
                    'tr',
                    { 'data-rule': r.id },
                    h('td', { class: 'mono' }, r.match),
                    h('td', {}, ruleText(r)),
                    h('td', {}, r.delayMs ? `${r.delayMs} ms` : '—'),
                    h('td', { class: 'mono' }, r.accountSid ?? 'network-wide'),
                    h(
                      'td',
                      {},
                      h(
                        'button',
                        {
                          type: 'button',
                          class: 'secondary',
                          'aria-label': `Remove rule for ${r.match}`,
                          onclick: () =>
                            void act('Rule removed', () =>
                              api(ctx, 'DELETE', `/sim/rules/${encodeURIComponent(r.id)}`),
                            ),
                        },
                        'Remove',
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
      h('h2', { id: 'add-rule' }, 'Add a failure rule'),
      add,
    ];
    if (ctx.admin) parts.push(...(await networkControls(ctx, act)));
    else
      parts.push(
        h(
          'p',
          { class: 'muted' },
          'The chaos mix and the delivery delay apply to every account: the main account (signed in with its auth token) sets them.',
        ),
      );
    render(app, ...parts);
  };
  const act = actions(() => reload());
  await reload();
}

async function networkControls(
  ctx: PageContext,
  act: (done: string, run: () => Promise<unknown>) => Promise<void>,
): Promise<HTMLElement[]> {
  const [{ chaos }, settings] = await Promise.all([
    api<{ chaos: { mix: { probability: number; outcome: Outcome }[]; delayMs?: number } | null }>(
      ctx,
      'GET',
      '/sim/chaos',
    ),
    api<{ deliveryDelayMs: number; seed: string }>(ctx, 'GET', '/sim/settings'),
  ]);
  const chaosForm = h(
    'form',
    { class: 'grid card', 'aria-labelledby': 'chaos' },
    field('Probability (%)', 'probability', {
      type: 'number',
      min: 0,
      max: 100,
      step: 'any',
      required: true,
      value: 5,
    }),
    field('Outcome', 'outcome', {}, 'select', OUTCOMES),
    field('Extra delay (ms)', 'delayMs', { type: 'number', min: 0, step: 1 }),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit' }, 'Set chaos'),
      chaos &&
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => void act('Chaos cleared', () => api(ctx, 'DELETE', '/sim/chaos')),
          },
          'Clear chaos',
        ),
    ),
  );
  chaosForm.addEventListener(
    'submit',
    listener(async (e) => {
      e.preventDefault();
      const v = formValues(chaosForm);
      const body = {
        mix: [{ probability: Number(v['probability']) / 100, outcome: v['outcome'] }],
        ...(v['delayMs'] ? { delayMs: Number(v['delayMs']) } : {}),
      };
      await act('Chaos set', () => api(ctx, 'PUT', '/sim/chaos', { json: body }));
    }),
  );
  const delay = h(
    'form',
    { class: 'grid card', 'aria-labelledby': 'delay' },
    field('Delivery delay (ms)', 'deliveryDelayMs', {
      type: 'number',
      min: 0,
      max: 86400000,
      step: 1,
      required: true,
      value: settings.deliveryDelayMs,
    }),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Set delay')),
  );
  delay.addEventListener(
    'submit',
    listener(async (e) => {
      e.preventDefault();
      const ms = Number(formValues(delay)['deliveryDelayMs'] ?? 0);
      await act('Delay set', () =>
        api(ctx, 'PATCH', '/sim/settings', { json: { deliveryDelayMs: ms } }),
      );
    }),
  );
  return [
    h('h2', { id: 'chaos' }, 'Network-wide chaos'),
    h(
      'p',
      {},
      chaos
        ? `Where no rule matches: ${ruleText(chaos)}${chaos.delayMs ? `, ${chaos.delayMs} ms slower` : ''}.`
        : 'No chaos: messages no rule matches are delivered.',
    ),
    chaosForm,
    h('h2', { id: 'delay' }, 'Delivery delay'),
    h(
      'p',
      { class: 'muted' },
      `Time before a delivery report; now ${settings.deliveryDelayMs} ms.`,
    ),
    delay,
  ];
}
