const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad = (n: number, w = 2): string => String(n).padStart(w, '0');
const DAY_MS = 86_400_000;
const TWO_DIGITS = Array.from({ length: 60 }, (_, i) => pad(i));
/** `Thu, 24 Aug 2023 ` by UTC day number; bounded (cleared when full). */
const dayPrefixes = new Map<number, string>();

/**
 * Twilio's RFC 2822 timestamp: `Thu, 24 Aug 2023 05:01:45 +0000`. Always GMT with a literal
 * `+0000` (not `GMT`): Python's SDK ignores the zone, so anything else would shift times.
 */
export function rfc2822(ms: number): string {
  // Every list page formats 150 of these: the date part comes from a per-day cache and the time
  // of day from arithmetic, so no Date object is built on the hot path.
  const t = Math.trunc(ms); // as `new Date(ms)` does
  const day = Math.floor(t / DAY_MS);
  let prefix = dayPrefixes.get(day);
  if (prefix === undefined) {
    const d = new Date(day * DAY_MS);
    prefix =
      `${DAYS[d.getUTCDay()]}, ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ` +
      `${pad(d.getUTCFullYear(), 4)} `;
    if (dayPrefixes.size >= 4096) dayPrefixes.clear();
    dayPrefixes.set(day, prefix);
  }
  const s = Math.floor((t - day * DAY_MS) / 1000);
  const h = TWO_DIGITS[Math.floor(s / 3600)];
  const m = TWO_DIGITS[Math.floor(s / 60) % 60];
  return `${prefix}${h}:${m}:${TWO_DIGITS[s % 60]} +0000`;
}

/** Same as {@link rfc2822} but passes `null` through. */
export const rfc2822OrNull = (ms: number | null): string | null =>
  ms === null ? null : rfc2822(ms);

/** An inclusive UTC interval in epoch milliseconds. */
export interface TimeRange {
  from: number;
  to: number;
}

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** Epoch ms of a UTC calendar moment, or null when a field is out of range (Feb 30, 25:00…). */
function utc(y: number, mo: number, d: number, h = 0, mi = 0, sec = 0): number | null {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0–99 to 1900–1999.
  date.setUTCFullYear(y, mo - 1, d);
  date.setUTCHours(h, mi, sec, 0);
  const ok =
    date.getUTCFullYear() === y &&
    date.getUTCMonth() === mo - 1 &&
    date.getUTCDate() === d &&
    date.getUTCHours() === h &&
    date.getUTCMinutes() === mi &&
    date.getUTCSeconds() === sec;
  return ok ? date.getTime() : null;
}

/**
 * Parses a date filter value (`YYYY-MM-DD` or ISO-8601 date-time, UTC when no zone is given)
 * into the inclusive range it names: a whole day for a date, a whole second for a date-time
 * (Twilio's timestamps have second precision). Returns `null` when the value is not a date.
 */
export function parseDateFilter(value: string): TimeRange | null {
  const m = DATE_TIME.exec(value.trim());
  if (!m) return null;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (m[4] === undefined) {
    const from = utc(y, mo, d);
    return from === null ? null : { from, to: from + 86_400_000 - 1 };
  }
  const local = utc(y, mo, d, Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  if (local === null) return null;
  const zone = m[7];
  let offsetMin = 0;
  if (zone !== undefined && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
    if (!z || Number(z[2]) > 23 || Number(z[3]) > 59) return null;
    offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3]));
  }
  const from = local - offsetMin * 60_000;
  return { from, to: from + 999 };
}
