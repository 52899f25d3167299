import { h } from './dom.js';

/** A date as the user's locale shows it (with seconds); `—` for none. */
export function when(date: string | null | undefined): string {
  if (!date) return '—';
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) return date;
  return d.toLocaleString(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
}

/** A compact date for table cells: the time today, else the date and time. */
export function shortWhen(date: string | null | undefined): string {
  if (!date) return '—';
  const d = new Date(date);
  if (Number.isNaN(d.getTime())) return date;
  const time = d.toLocaleTimeString(undefined, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  if (d.toDateString() === new Date().toDateString()) return time;
  return `${d.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`;
}

/** A status as a coloured badge (colour is never the only cue: the text is the status). */
export const badge = (status: string): HTMLSpanElement =>
  h('span', { class: `badge ${status}`, 'data-status': status }, status);

/** Twilio's page for an error code. */
export const errorDocs = (code: number): string => `https://www.twilio.com/docs/api/errors/${code}`;

/** An error code linked to its Twilio docs page. */
export const errorLink = (code: number, message?: string | null): HTMLAnchorElement =>
  h(
    'a',
    { href: errorDocs(code), target: '_blank', rel: 'noopener noreferrer' },
    message ? `${code}: ${message}` : String(code),
  );

/** A price with its unit (`-0.0079 USD`), or `—`. */
export const price = (p: string | null, unit: string | null): string =>
  p === null ? '—' : `${p} ${unit ?? ''}`.trim();

/** Short text for a table cell. */
export const excerpt = (s: string | null, n = 80): string =>
  s === null ? '' : s.length > n ? `${s.slice(0, n - 1)}…` : s;

/** `outbound-api` → `outbound`, for narrow columns. */
export const directionLabel = (d: string): string => (d === 'inbound' ? 'inbound' : d);

/** One-time codes as the simulator finds them: 4–8 digits standing alone. */
export const OTP = /(?<![\d-])\d{4,8}(?![\d-])/g;

/** Statuses after which a message does not change any more. */
export const FINAL = new Set([
  'delivered',
  'undelivered',
  'failed',
  'received',
  'read',
  'canceled',
]);

/** Every status a message can have, for filters. */
export const STATUSES = [
  'queued',
  'accepted',
  'scheduled',
  'sending',
  'sent',
  'delivered',
  'undelivered',
  'failed',
  'receiving',
  'received',
  'read',
  'canceled',
];
