import { bogotaDay, epochDayOf, formatIsoUtc, formatUtcSeconds, inDayWindow, toEpochMs } from '@catia/shared';

describe('dates', () => {
  it('reads ISO strings, millisecond and second epochs to the same instant', () => {
    const ms = Date.parse('2025-08-19T13:26:44Z');
    expect(toEpochMs('2025-08-19T13:26:44Z')).toBe(ms);
    expect(toEpochMs(ms)).toBe(ms);
    expect(toEpochMs(ms / 1000)).toBe(ms);
    expect(toEpochMs(String(ms))).toBe(ms);
  });

  it('reads canonical ISO strings on its fast path exactly as on its general path', () => {
    // A leading space skips the fast path (it only takes 20- or 24-character strings): the general
    // path (trim, pattern, calendar check, Date.parse) is the reference.
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return Math.floor(seed / 65_536) % n; // the high bits: an LCG's low bits repeat quickly
    };
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    const samples = [
      '2024-02-29T23:59:59Z',
      '2025-02-29T00:00:00Z',
      '2025-12-31T23:59:59.999Z',
      '0099-01-01T00:00:00Z',
    ];
    for (let i = 0; i < 20_000; i++) {
      const y = [1900, 2000, 2024, 2025, 2100, 999, 99, 1000, 1600, 1969, 1970, 2400, 9999][rnd(13)] as number;
      let s = `${pad(y, 4)}-${pad(rnd(14), 2)}-${pad(rnd(33), 2)}T${pad(rnd(26), 2)}:${pad(rnd(61), 2)}:${pad(rnd(61), 2)}`;
      s += rnd(2) ? `.${pad(rnd(1000), 3)}Z` : 'Z';
      if (rnd(4) === 0) {
        const at = rnd(s.length);
        s = `${s.slice(0, at)}${'0x:-.TZ 9/'[rnd(10)]}${s.slice(at + 1)}`;
      }
      samples.push(s);
    }
    for (const s of samples) expect([s, toEpochMs(s)]).toEqual([s, toEpochMs(` ${s}`)]);
    expect(samples.filter((s) => toEpochMs(s) !== undefined).length).toBeGreaterThan(2_000);
  });

  it('counts the days of a YYYY-MM-DD date since 1970 as Date.UTC does, and only for real days', () => {
    const pad = (n: number, w: number) => String(n).padStart(w, '0');
    let real = 0;
    for (const y of [0, 1, 99, 400, 1600, 1900, 1969, 1970, 2000, 2024, 2025, 2100, 2400, 9999]) {
      for (let m = 0; m <= 13; m++) {
        for (let d = 0; d <= 32; d++) {
          const s = `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`;
          const utc = new Date(0);
          utc.setUTCFullYear(y, m - 1, d);
          const isReal = m >= 1 && m <= 12 && utc.getUTCMonth() === m - 1 && utc.getUTCDate() === d;
          expect([s, epochDayOf(s)]).toEqual([s, isReal ? Math.floor(utc.getTime() / 86_400_000) : undefined]);
          if (isReal) real++;
        }
      }
    }
    expect(real).toBe(14 * 365 + 6); // leap years among them: 0, 400, 1600, 2000, 2024, 2400 (not 1900, 2100)
    for (const s of ['2025-1-01', '2025/01/01', '20x5-01-01', '2025-01-0a', ' 2025-01-01'])
      expect(epochDayOf(s)).toBeUndefined();
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

  it('formats create_date as Date.toISOString does, for every instant it can write', () => {
    const viaDate = (ms: number) => {
      const iso = new Date(ms).toISOString();
      return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
    };
    const instants = [0, 0.9, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000, 951_868_800_000, 1718000000000.7];
    instants.push(4_107_542_400_000, 253_402_300_799_999, 253_402_300_800_000, 8.64e15, -1, -86_400_001);
    // Every day boundary from 1970 to 9999, and random instants with milliseconds.
    for (let day = 0; day < 2_932_897; day += 7) instants.push(day * 86_400_000, day * 86_400_000 - 1);
    let seed = 1;
    for (let i = 0; i < 200_000; i++) {
      seed = (seed * 48271) % 2147483647;
      instants.push((seed / 2147483647) * 253_402_300_800_000);
    }
    const differing = instants.filter((ms) => formatUtcSeconds(ms) !== viaDate(ms));
    expect(differing).toEqual([]);
  });

  it('treats the day window as inclusive at both ends', () => {
    expect(inDayWindow('2025-08-04', '2025-08-04', '2025-08-10')).toBe(true);
    expect(inDayWindow('2025-08-10', '2025-08-04', '2025-08-10')).toBe(true);
    expect(inDayWindow('2025-08-11', '2025-08-04', '2025-08-10')).toBe(false);
    expect(inDayWindow('2030-01-01', '2025-08-04')).toBe(true);
  });
});
