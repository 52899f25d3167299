/** A child `h` accepts: text, nodes, nothing, or lists of those. */
export type Child = Node | string | number | null | undefined | false | Child[];

/** Attributes of `h`: strings (or true for a bare attribute), `on…` listeners. */
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

/** Builds an element: `h('a', { href }, 'text')`. Text is always text, never HTML. */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) (el as HTMLInputElement).value = String(v);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

/** Appends children (flattened; nothing for null/false). */
export function append(el: Node, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's content. */
export function render(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

/** An SVG element. */
export function svg(
  tag: string,
  attrs: Record<string, string | number> = {},
  ...children: (Node | string)[]
): SVGElement {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c);
  return el;
}

/** A labelled form field: `<div><label for>…</label><input id name></div>`. */
export function field(
  label: string,
  name: string,
  attrs: Attrs = {},
  control: 'input' | 'select' | 'textarea' = 'input',
  options: [string, string][] = [],
): HTMLDivElement {
  const id = `f-${name}-${Math.random().toString(36).slice(2, 8)}`;
  const el =
    control === 'select'
      ? h(
          'select',
          { id, name, ...attrs },
          ...options.map(([v, t]) => h('option', { value: v }, t)),
        )
      : h(control, { id, name, ...attrs });
  if (control === 'select' && attrs['value'] !== undefined) {
    (el as HTMLSelectElement).value = String(attrs['value']);
  }
  return h('div', {}, h('label', { for: id }, label), el);
}

/** Shows a short message in the page's live region. */
export function toast(text: string): void {
  const box = document.getElementById('toast');
  if (!box) return;
  const p = h('p', {}, text);
  box.append(p);
  setTimeout(() => p.remove(), 4000);
}

/** Copies text to the clipboard (with a fallback where the Clipboard API is missing). */
export async function copy(text: string, what = 'Copied'): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const t = h('textarea', { 'aria-hidden': 'true', class: 'sr-only' }, text);
    document.body.append(t);
    t.select();
    document.execCommand('copy');
    t.remove();
  }
  toast(`${what} to the clipboard`);
}

/**
 * A DOM event listener that runs the async `run`: the DOM drops a listener's promise, so a failure
 * `run` does not handle itself is shown as a toast (`failed: reason`) rather than lost.
 */
export function listener<E extends Event>(
  run: (e: E) => Promise<void>,
  failed = 'Failed',
): (e: E) => void {
  return (e) => {
    run(e).catch((err: unknown) => {
      toast(`${failed}: ${err instanceof Error ? err.message : String(err)}`);
    });
  };
}

/** The values of a form as a plain object (empty strings left out). */
export function formValues(form: HTMLFormElement): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of new FormData(form)) if (typeof v === 'string' && v !== '') out[k] = v;
  return out;
}

/**
 * Runs changes of a page: each says `done` (or why it was refused) and reloads the page's data.
 */
export const actions =
  (reload: () => Promise<void>) =>
  async (done: string, run: () => Promise<unknown>): Promise<void> => {
    try {
      await run();
      toast(done);
      await reload();
    } catch (err) {
      toast(`Refused: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
