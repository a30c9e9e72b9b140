import { bogotaDay, formatIsoUtc, formatUtcSeconds, inDayWindow, toEpochMs } from '@catia/shared';

describe('dates', () => {
  it('reads ISO strings, millisecond and second epochs to the same instant', () => {
    const ms = Date.parse('2025-08-19T13:26:44Z');
    expect(toEpochMs('2025-08-19T13:26:44Z')).toBe(ms);
    expect(toEpochMs(ms)).toBe(ms);
    expect(toEpochMs(ms / 1000)).toBe(ms);
    expect(toEpochMs(String(ms))).toBe(ms);
  });

  it('returns undefined for values that are not times', () => {
    for (const v of ['', 'ayer', '19/08/2025', '2025-02-30T00:00:00Z', null, undefined, -5, {}]) {
      expect(toEpochMs(v)).toBeUndefined();
    }
  });

  it('gives the calendar day in Bogotá (UTC-5) across midnight', () => {
    expect(bogotaDay(Date.parse('2025-08-04T04:59:59Z'))).toBe('2025-08-03');
    expect(bogotaDay(Date.parse('2025-08-04T05:00:00Z'))).toBe('2025-08-04');
  });

  it('formats UTC timestamps for CSV and ISO output', () => {
    const ms = Date.parse('2026-01-02T03:04:05.000Z');
    expect(formatUtcSeconds(ms)).toBe('2026-01-02 03:04:05');
    expect(formatIsoUtc(ms)).toBe('2026-01-02T03:04:05Z');
  });

  it('treats the day window as inclusive at both ends', () => {
    expect(inDayWindow('2025-08-04', '2025-08-04', '2025-08-10')).toBe(true);
    expect(inDayWindow('2025-08-10', '2025-08-04', '2025-08-10')).toBe(true);
    expect(inDayWindow('2025-08-11', '2025-08-04', '2025-08-10')).toBe(false);
    expect(inDayWindow('2030-01-01', '2025-08-04')).toBe(true);
  });
});
