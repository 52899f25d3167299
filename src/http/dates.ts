import { badRequest } from './errors.js';

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
 * Zone names a date filter may end with, in minutes east of UTC: those of RFC 2822 §4.3 (UT,
 * GMT and the North American zones, as in the spec's example `06/11/2019 22:05:25 MST`), plus
 * `UTC` and `Z`. A name stands for its fixed offset (MST is always −07:00).
 */
const ZONES: Readonly<Record<string, number>> = {
  Z: 0,
  UT: 0,
  UTC: 0,
  GMT: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

const TIME = String.raw`(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?`;
const ZONE = String.raw`(?:\s*([+-]\d{2}(?::?\d{2})?|[A-Za-z]+))?`;
/** `2020`, `2020-12`, `2020-12-12`, `2020-12-12T10:53:43.000-0800`, `2019-06-11 22:05:25.000`. */
const ISO = new RegExp(
  String.raw`^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:(?:T|\s+)${TIME}${ZONE})?)?)?$`,
  'i',
);
/** `06/11/2019 22:05:25 MST` (month first, as the spec pairs it with `2019-06-11 22:05:25`). */
const US = new RegExp(String.raw`^(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+${TIME}${ZONE})?$`);
/** RFC 2822, as Twilio writes its own dates: `Wed, 19 Jun 2019 22:04:00 -0000`. */
const RFC2822 = new RegExp(
  String.raw`^(?:([A-Za-z]{3}),?\s*)?(\d{1,2})\s+([A-Za-z]{3})\s+(\d{4})(?:\s+${TIME}${ZONE})?$`,
);

/** The fields of a date filter value, as far as it gives them. */
interface DateParts {
  y: number;
  mo?: number;
  d?: number;
  /** Hour, minute, second (fractions of a second are dropped: Twilio's dates have none). */
  time?: [number, number, number];
  zone?: string;
  weekday?: string;
}

const num = (s: string | undefined): number | undefined =>
  s === undefined ? undefined : Number(s);
const titleCase = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1).toLowerCase();

function timeOf(m: RegExpExecArray, at: number): Pick<DateParts, 'time' | 'zone'> {
  if (m[at] === undefined) return {};
  const time: [number, number, number] = [Number(m[at]), Number(m[at + 1]), Number(m[at + 2] ?? 0)];
  return m[at + 3] === undefined ? { time } : { time, zone: m[at + 3] };
}

function partsOf(value: string): DateParts | null {
  let m = ISO.exec(value);
  if (m) {
    const [y, mo, d] = [Number(m[1]), num(m[2]), num(m[3])];
    return { y, ...(mo !== undefined && { mo }), ...(d !== undefined && { d }), ...timeOf(m, 4) };
  }
  m = US.exec(value);
  if (m) return { y: Number(m[3]), mo: Number(m[1]), d: Number(m[2]), ...timeOf(m, 4) };
  m = RFC2822.exec(value);
  if (m) {
    const mo = MONTHS.indexOf(titleCase(m[3] ?? '')) + 1;
    if (mo === 0) return null;
    const weekday = m[1] === undefined ? {} : { weekday: titleCase(m[1]) };
    return { y: Number(m[4]), mo, d: Number(m[2]), ...weekday, ...timeOf(m, 5) };
  }
  return null;
}

/** Minutes east of UTC of a zone (`-0000`, `+02:00`, `+05`, `MST`…), or null when unknown. */
function offsetOf(zone: string | undefined): number | null {
  if (zone === undefined) return 0;
  const named = ZONES[zone.toUpperCase()];
  if (named !== undefined) return named;
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone);
  if (!z || Number(z[2]) > 23 || Number(z[3] ?? 0) > 59) return null;
  return (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
}

/**
 * Parses a date filter value into the inclusive UTC range it names, or `null` when it is not a
 * date. Accepted, as Twilio answers them with 200 (the spec's DateSent> examples and
 * github.com/twilio/twilio-oai/issues/21): `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, ISO-8601 date-times
 * (`T` or a space, optional fraction and zone), `MM/DD/YYYY HH:mm:ss ZONE` and RFC 2822
 * (`Wed, 19 Jun 2019 22:04:00 -0000`). A year, month or day names all of it; a date-time names
 * its second. No zone means UTC (the docs speak of GMT dates); a zone is a numeric offset or one
 * of {@link ZONES}. A weekday that does not match the date is refused.
 */
export function parseDateFilter(value: string): TimeRange | null {
  const p = partsOf(value.trim());
  if (!p) return null;
  const { y, mo = 1, d = 1 } = p;
  const date = utc(y, mo, d);
  if (date === null) return null;
  if (p.weekday !== undefined && DAYS[new Date(date).getUTCDay()] !== p.weekday) return null;
  if (p.time === undefined) {
    const next = new Date(date);
    if (p.d !== undefined) next.setUTCDate(d + 1);
    else if (p.mo !== undefined) next.setUTCMonth(mo);
    else next.setUTCFullYear(y + 1);
    return { from: date, to: next.getTime() - 1 };
  }
  const local = utc(y, mo, d, ...p.time);
  const offset = offsetOf(p.zone);
  if (local === null || offset === null) return null;
  const from = local - offset * 60_000;
  return { from, to: from + 999 };
}

/**
 * The range an equality filter (`DateSent=`) selects: a year, month or day as named, and for a
 * date-time the whole UTC day it falls on (the SDKs send a date as midnight in ISO form).
 */
export function dayOrWider(range: TimeRange): TimeRange {
  if (range.to - range.from + 1 >= DAY_MS) return range;
  const day = Math.floor(range.from / DAY_MS) * DAY_MS;
  return { from: day, to: day + DAY_MS - 1 };
}

/** {@link parseDateFilter} for the list filter `key`: a 400 / 20001 naming it when not a date. */
export function dateFilterBound(key: string, value: string): TimeRange {
  const range = parseDateFilter(value);
  if (!range) {
    throw badRequest(20001, `Invalid ${key} '${value}': use YYYY-MM-DD or an ISO-8601 date-time`);
  }
  return range;
}
