import { isDeepStrictEqual } from 'node:util';
import { ConfigError, costUsd, normalizeModelId, PriceTable, usd6 } from '@catia/shared';

describe('price table', () => {
  const prices = PriceTable.load();

  it('prices Claude 3.5 Sonnet v2 at the extended-access rate from 2025-12-01', () => {
    expect(prices.rate('anthropic.claude-3-5-sonnet-20241022-v2:0', '2025-11-30')).toMatchObject({
      input: 3,
      output: 15,
    });
    expect(prices.rate('claude-v3.5-sonnet-v2', '2025-12-01')).toMatchObject({ input: 6, output: 30 });
  });

  it('normalises inference profiles and ARNs and keeps the endpoint kind', () => {
    expect(normalizeModelId('us.anthropic.claude-sonnet-4-5-20250929-v1:0')).toEqual({
      key: 'anthropic.claude-sonnet-4-5-20250929-v1:0',
      endpoint: 'regional',
    });
    expect(
      normalizeModelId(
        'arn:aws:bedrock:us-east-1:123:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0',
      ),
    ).toEqual({ key: 'anthropic.claude-haiku-4-5-20251001-v1:0', endpoint: 'global' });
    expect(prices.rate('global.anthropic.claude-sonnet-4-5-20250929-v1:0', '2026-01-01')?.input).toBe(3);
    expect(prices.rate('eu.anthropic.claude-sonnet-4-5-20250929-v1:0', '2026-01-01')?.input).toBe(3.3);
  });

  it('falls back to the input price for cache terms of models without caching', () => {
    expect(prices.rate('claude-v3-haiku', '2025-01-01')).toMatchObject({
      input: 0.25,
      cacheRead: 0.25,
      cacheWrite: 0.25,
    });
  });

  it('gives, for every model name and day, the rate of the period in force', () => {
    const table = PriceTable.load();
    const names = table.data.models.flatMap((m) => [m.id, ...m.aliases, `us.${m.id}`, `global.${m.id}`]);
    const differing: string[] = [];
    names.push(
      'unknown-model',
      'arn:aws:bedrock:us-east-1:1:inference-profile/eu.anthropic.claude-3-5-sonnet-20240620-v1:0',
    );
    for (const name of names) {
      const { key, endpoint } = normalizeModelId(name);
      const entry = table.data.models.find(
        (m) => m.id.toLowerCase() === key || m.aliases.some((a) => a.toLowerCase() === key),
      );
      for (let t = Date.parse('2023-01-01'); t < Date.parse('2027-01-01'); t += 5 * 86_400_000) {
        const day = new Date(t).toISOString().slice(0, 10);
        const period = entry?.prices.find((p) => (p.from === null || day >= p.from) && (p.to === null || day <= p.to));
        const r = endpoint === 'global' && period?.global ? period.global : period?.regional;
        const expected =
          entry && period && r
            ? {
                modelId: entry.id,
                endpoint: endpoint === 'global' && period.global ? 'global' : 'regional',
                input: r.input,
                output: r.output,
                cacheWrite: r.cacheWrite ?? r.input,
                cacheRead: r.cacheRead ?? r.input,
              }
            : undefined;
        if (!isDeepStrictEqual(table.rate(name, day), expected)) differing.push(`${name} ${day}`);
      }
    }
    expect(differing).toEqual([]);
  });

  it('returns undefined for an unknown model instead of a zero price', () => {
    expect(prices.rate('claude-vX-experimental', '2025-01-01')).toBeUndefined();
    expect(prices.knows('claude-vX-experimental')).toBe(false);
  });

  it('rejects a malformed user price table naming it', () => {
    expect(() => PriceTable.load('{"version":"x"}', 'prices.json')).toThrow(ConfigError);
    expect(() => PriceTable.load('not json', 'prices.json')).toThrow(/prices\.json is not valid JSON/);
  });

  it('computes cost per million tokens and rounds only for output', () => {
    expect(costUsd(1000, 3)).toBeCloseTo(0.003, 12);
    expect(usd6(0.0000004)).toBe('0.000000');
    expect(usd6(1.2345675)).toBe('1.234568');
  });

  it('writes usd6 exactly as toFixed(6) of the value rounded to millionths, over random and edge values', () => {
    const reference = (v: number) => (Math.round(v * 1e6) / 1e6).toFixed(6);
    let seed = 5;
    const rand = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const values = [
      0,
      -0,
      1e-7,
      5e-7,
      4.9999999e-7,
      -4e-7,
      -1e-6,
      -1.5,
      0.0000015,
      999.9999995,
      4e9 - 1e-6,
      4e9,
      4.1e9,
      1e21,
      1e300,
    ];
    values.push(
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NEGATIVE_INFINITY,
      Number.MIN_VALUE,
      Number.MAX_SAFE_INTEGER,
    );
    for (let i = 0; i < 200_000; i++) {
      const scale = 10 ** (rand() * 16 - 9);
      values.push(rand() * scale, Math.round(rand() * 1e12) / 1e6 + (rand() - 0.5) * 1e-12, (rand() - 0.5) * scale);
    }
    for (const v of values) if (usd6(v) !== reference(v)) expect([v, usd6(v)]).toEqual([v, reference(v)]);
  });
});
