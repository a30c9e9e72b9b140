/**
 * Dates and times. Business dates are calendar days in America/Bogota, which has kept UTC-5 with
 * no daylight saving since 1993, so a fixed offset is exact and much faster than Intl.
 */
const BOGOTA_OFFSET_MS = -5 * 60 * 60 * 1000;
const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A time value as epoch milliseconds, or `undefined` when it cannot be read.
 * Numbers below 1e11 are taken as epoch seconds (a ms value that small would be before 1973).
 */
export function toEpochMs(value: unknown): number | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value <= 0) return undefined;
    return value < 1e11 ? value * 1000 : value;
  }
  if (typeof value === 'bigint') return toEpochMs(Number(value));
  if (typeof value === 'string') {
    // Fast path for the canonical form the tables use: 2025-08-19T13:26:44Z
    if (
      value.length === 20 &&
      value.charCodeAt(10) === 84 &&
      value.charCodeAt(19) === 90 &&
      value.charCodeAt(4) === 45
    ) {
      const ms = Date.parse(value);
      const d = value.charCodeAt(8) * 10 + value.charCodeAt(9) - 528;
      if (!Number.isNaN(ms) && d <= 28) return ms;
    }
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

/** `YYYY-MM-DD HH:MM:SS` in UTC (the tokens CSV's `create_date`). */
export function formatUtcSeconds(ms: number): string {
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
