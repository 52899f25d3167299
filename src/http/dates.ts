const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');

/**
 * Twilio's RFC 2822 timestamp: `Thu, 24 Aug 2023 05:01:45 +0000`. Always GMT with a literal
 * `+0000` (not `GMT`): Python's SDK ignores the zone, so anything else would shift times.
 */
export function rfc2822(ms: number): string {
  const d = new Date(ms);
  return (
    `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
    `${pad(d.getUTCFullYear(), 4)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:` +
    `${pad(d.getUTCSeconds())} +0000`
  );
}

/** Same as {@link rfc2822} but passes `null` through. */
export const rfc2822OrNull = (ms: number | null): string | null =>
  ms === null ? null : rfc2822(ms);

/** An inclusive UTC interval in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a date filter value (`YYYY-MM-DD` or ISO-8601 date-time, UTC when no zone is given)
 * into the inclusive range it names: a whole day for a date, a whole second for a date-time
 * (Twilio's timestamps have second precision). Returns `null` when the value is not a date.
 */
export function parseDateFilter(value: string): TimeRange | null {
  const v = value.trim();
  const day = DATE_ONLY.exec(v);
  if (day) {
    const from = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3]));
    const check = new Date(from);
    if (check.getUTCDate() !== Number(day[3]) || check.getUTCMonth() !== Number(day[2]) - 1) {
      return null;
    }
    return { from, to: from + 86_400_000 - 1 };
  }
  if (!DATE_TIME.test(v)) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(v);
  const iso = v.replace(' ', 'T') + (hasZone ? '' : 'Z');
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return null;
  const from = Math.floor(ms / 1000) * 1000;
  return { from, to: from + 999 };
}
