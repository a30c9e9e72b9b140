/**
 * Dates and times. Business dates are calendar days in America/Bogota, which has kept UTC-5 with
 * no daylight saving since 1993, so a fixed offset is exact and much faster than Intl.
 */
const BOGOTA_OFFSET_MS = -5 * 60 * 60 * 1000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/** The largest time value a Date holds (ECMA-262: ±8.64e15 ms). */
const MAX_DATE_MS = 8.64e15;

/**
 * A time value as epoch milliseconds, or `undefined` when it cannot be read.
 * Numbers below 1e11 are taken as epoch seconds (a ms value that small would be before 1973).
 */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    const ms = value < 1e11 ? value * 1000 : value;
    // Beyond what a Date can hold (year 275760): no instant, rather than a crash where it is formatted.
    return ms <= MAX_DATE_MS ? ms : undefined;
  }
  if (typeof value === 'bigint') return toEpochMs(Number(value));
  if (typeof value === 'string') {
    // Fast path for the canonical forms the tables use: 2025-08-19T13:26:44Z and 2025-08-19T13:26:44.578Z
    const canonical = canonicalUtcMs(value);
    if (canonical !== undefined) return canonical;
    const s = value.trim();
    if (!s) return undefined;
    if (/^\d+(\.\d+)?$/.test(s)) return toEpochMs(Number(s));
    // Accept ISO 8601 date-times; a bare date is midnight UTC. Reject anything Date would guess at.
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(s)) return undefined;
    const y = Number(s.slice(0, 4));
    const mo = Number(s.slice(5, 7));
    const d = Number(s.slice(8, 10));
    const check = new Date(Date.UTC(y, mo - 1, d));
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d) return undefined;
    const iso = s.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s.replace(' ', 'T')}Z` : s.replace(' ', 'T');
    const ms = Date.parse(iso);
    return Number.isNaN(ms) ? undefined : ms;
  }
  return undefined;
}

/** Digit at `i` as a number, or NaN (char codes 48–57). */
const digit = (s: string, i: number) => {
  const c = s.charCodeAt(i) - 48;
  return c >= 0 && c <= 9 ? c : Number.NaN;
};
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * `YYYY-MM-DDTHH:MM:SSZ` or `YYYY-MM-DDTHH:MM:SS.mmmZ` read field by field (several times faster
 * than the general path); `undefined` for anything else, including out-of-range fields, which the
 * general path then judges.
 */
export function canonicalUtcMs(v: string): number | undefined {
  if (v.length !== 20 && v.length !== 24) return undefined;
  const n = v.length;
  if (
    v.charCodeAt(4) !== 45 ||
    v.charCodeAt(7) !== 45 ||
    v.charCodeAt(10) !== 84 ||
    v.charCodeAt(13) !== 58 ||
    v.charCodeAt(16) !== 58 ||
    v.charCodeAt(n - 1) !== 90 ||
    (n === 24 && v.charCodeAt(19) !== 46)
  )
    return undefined;
  const y = digit(v, 0) * 1000 + digit(v, 1) * 100 + digit(v, 2) * 10 + digit(v, 3);
  const mo = digit(v, 5) * 10 + digit(v, 6);
  const d = digit(v, 8) * 10 + digit(v, 9);
  const h = digit(v, 11) * 10 + digit(v, 12);
  const mi = digit(v, 14) * 10 + digit(v, 15);
  const sec = digit(v, 17) * 10 + digit(v, 18);
  const frac = n === 24 ? digit(v, 20) * 100 + digit(v, 21) * 10 + digit(v, 22) : 0;
  // NaN fails every comparison below.
  if (!(y >= 1000 && h <= 23 && mi <= 59 && sec <= 59 && frac >= 0)) return undefined;
  const day = civilDay(y, mo, d);
  return day === undefined ? undefined : day * DAY_MS + h * 3_600_000 + mi * 60_000 + sec * 1000 + frac;
}

/** Days since 1970-01-01 of a `YYYY-MM-DD` date, or undefined if it is not one (or not a real day). */
export function epochDayOf(s: string): number | undefined {
  if (s.length !== 10 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45) return undefined;
  const y = digit(s, 0) * 1000 + digit(s, 1) * 100 + digit(s, 2) * 10 + digit(s, 3);
  return civilDay(y, digit(s, 5) * 10 + digit(s, 6), digit(s, 8) * 10 + digit(s, 9));
}

/**
 * Days since 1970-01-01 of a day of the proleptic Gregorian calendar (year ≥ 0), or undefined if
 * there is no such day (NaN fields included): Hinnant's days-from-civil, the arithmetic `Date.UTC`
 * does, without a runtime call (once per message on normalize's hot path).
 */
function civilDay(y: number, mo: number, d: number): number | undefined {
  if (!(y >= 0 && mo >= 1 && mo <= 12 && d >= 1)) return undefined;
  const leap = mo === 2 && y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (!(d <= (DAYS_IN_MONTH[mo - 1] as number) + (leap ? 1 : 0))) return undefined;
  const yy = mo <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (mo > 2 ? mo - 3 : mo + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

const DAY_MS = 86_400_000;
const dayNames = new Map<number, string>();

/** The calendar day (`YYYY-MM-DD`) in Bogotá of an epoch-ms instant (names cached per day: a hot path). */
export function bogotaDay(ms: number): string {
  const day = Math.floor((ms + BOGOTA_OFFSET_MS) / DAY_MS);
  let name = dayNames.get(day);
  if (name === undefined) {
    name = new Date(day * DAY_MS).toISOString().slice(0, 10);
    if (dayNames.size > 50_000) dayNames.clear();
    dayNames.set(day, name);
  }
  return name;
}

/** Today's date in Bogotá. */
export function todayInBogota(now: Date = new Date()): string {
  return bogotaDay(now.getTime());
}

const pad2 = (n: number) => (n < 10 ? `0${n}` : `${n}`);

/** `YYYY-MM-DD HH:MM:SS` in UTC (the tokens CSV's `create_date`). */
export function formatUtcSeconds(ms: number): string {
  // 1970–9999, computed (civil date from days, H. Hinnant's algorithm); other instants as Date writes them.
  if (ms >= 0 && ms < 253_402_300_800_000) {
    const seconds = Math.floor(ms / 1000);
    const days = Math.floor(seconds / 86_400);
    const inDay = seconds - days * 86_400;
    const z = days + 719_468;
    const era = Math.floor(z / 146_097);
    const doe = z - era * 146_097;
    const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365);
    const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
    const mp = Math.floor((5 * doy + 2) / 153);
    const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
    const month = mp < 10 ? mp + 3 : mp - 9;
    const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    const h = Math.floor(inDay / 3600);
    const m = Math.floor((inDay - h * 3600) / 60);
    return `${year}-${pad2(month)}-${pad2(day)} ${pad2(h)}:${pad2(m)}:${pad2(inDay - h * 3600 - m * 60)}`;
  }
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** ISO 8601 in UTC without milliseconds when they are zero. */
export function formatIsoUtc(ms: number): string {
  const iso = new Date(ms).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, 19)}Z` : iso;
}

/** `YYYYMMDD` from `YYYY-MM-DD`. */
export function compactDay(day: string): string {
  return day.replaceAll('-', '');
}

export function isIsoDay(s: string): boolean {
  return ISO_DAY.test(s);
}

/** Inclusive window of Bogotá calendar days; `end` undefined means open. */
export function inDayWindow(day: string, start: string, end?: string): boolean {
  return day >= start && (end === undefined || day <= end);
}
