/**
 * Effective-dated Bedrock price table. Prices are data (`shared/data/prices.json`), versioned with
 * the code and replaceable by a user file of the same shape. A model that is not in the table is
 * never priced at zero: callers get `undefined` and decide (flag + default model, or report).
 */
import { z } from 'zod';
import builtIn from '../data/prices.json';
import { ConfigError } from './errors';

const rateSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cacheWrite: z.number().nonnegative().optional(),
  cacheRead: z.number().nonnegative().optional(),
});
const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);
const periodSchema = z.object({
  from: day.nullable(),
  to: day.nullable(),
  regional: rateSchema,
  global: rateSchema.optional(),
});
export const priceTableSchema = z.object({
  version: z.string(),
  currency: z.literal('USD'),
  unit: z.literal('per 1M tokens'),
  models: z
    .array(
      z.object({
        id: z.string().min(1),
        aliases: z.array(z.string()).default([]),
        prices: z.array(periodSchema).min(1),
      }),
    )
    .min(1),
});
export type PriceTableData = z.infer<typeof priceTableSchema>;

/** USD per 1M tokens for one model on one day and endpoint. */
export interface Rate {
  modelId: string;
  endpoint: 'regional' | 'global';
  input: number;
  output: number;
  cacheWrite: number;
  cacheRead: number;
}

const REGION_PREFIX = /^(us|eu|apac|jp|au|us-gov|ca|global)\./;

/**
 * Normalise a model name as found in the data (Bedrock Chat short name, Bedrock id, inference
 * profile id or ARN) to a lookup key and an endpoint kind.
 */
export function normalizeModelId(name: string): { key: string; endpoint: 'regional' | 'global' } {
  let s = name.trim();
  const slash = s.lastIndexOf('/');
  if (s.startsWith('arn:') && slash >= 0) s = s.slice(slash + 1);
  const m = REGION_PREFIX.exec(s);
  const endpoint = m?.[1] === 'global' ? 'global' : 'regional';
  if (m) s = s.slice(m[0].length);
  return { key: s.toLowerCase(), endpoint };
}

type ModelPrices = PriceTableData['models'][number];

/** A model name as the data writes it, resolved once: its table entry, endpoint and the rates built so far. */
interface ResolvedModel {
  entry: ModelPrices;
  endpoint: 'regional' | 'global';
  /** One rate per period of `entry`, built on first use. */
  rates: (Rate | undefined)[];
}

export class PriceTable {
  private readonly byKey = new Map<string, ModelPrices>();
  private readonly resolved = new Map<string, ResolvedModel | null>();

  constructor(readonly data: PriceTableData) {
    for (const m of data.models) {
      this.byKey.set(m.id.toLowerCase(), m);
      for (const a of m.aliases) this.byKey.set(a.toLowerCase(), m);
    }
  }

  /** The built-in table, or a user table given as JSON text (validated; a bad file names itself). */
  static load(json?: string, origin = 'price table'): PriceTable {
    if (json === undefined) return new PriceTable(priceTableSchema.parse(builtIn));
    let parsed: unknown;
    try {
      parsed = JSON.parse(json);
    } catch (err) {
      throw new ConfigError(`${origin} is not valid JSON: ${(err as Error).message}`, [origin]);
    }
    const result = priceTableSchema.safeParse(parsed);
    if (!result.success) {
      throw new ConfigError(`${origin} is malformed: ${result.error.issues[0]?.message ?? 'invalid'}`, [origin]);
    }
    return new PriceTable(result.data);
  }

  get version(): string {
    return this.data.version;
  }

  /** True when the model name is in the table (under any alias or id form). */
  knows(model: string): boolean {
    return this.byKey.has(normalizeModelId(model).key);
  }

  /** The rate in force on `day` (`YYYY-MM-DD`) for `model`, or `undefined` if the model or period is unknown. */
  rate(model: string, day: string): Rate | undefined {
    let m = this.resolved.get(model);
    if (m === undefined) {
      const { key, endpoint } = normalizeModelId(model);
      const entry = this.byKey.get(key);
      m = entry ? { entry, endpoint, rates: [] } : null;
      if (this.resolved.size > 10_000) this.resolved.clear();
      this.resolved.set(model, m);
    }
    if (m === null) return undefined;
    const periods = m.entry.prices;
    for (let i = 0; i < periods.length; i++) {
      const period = periods[i] as PriceTableData['models'][number]['prices'][number];
      if ((period.from === null || day >= period.from) && (period.to === null || day <= period.to)) {
        let rate = m.rates[i];
        if (rate === undefined) {
          const global = m.endpoint === 'global' && period.global !== undefined;
          const r = global && period.global ? period.global : period.regional;
          rate = {
            modelId: m.entry.id,
            endpoint: global ? 'global' : 'regional',
            input: r.input,
            output: r.output,
            cacheWrite: r.cacheWrite ?? r.input,
            cacheRead: r.cacheRead ?? r.input,
          };
          m.rates[i] = rate;
        }
        return rate;
      }
    }
    return undefined;
  }
}

/** USD for a token count at a per-1M rate (full precision; round only when writing). */
export function costUsd(tokens: number, perMillion: number): number {
  return (tokens * perMillion) / 1_000_000;
}

/** Three-digit groups `000`–`999`, for {@link usd6}. */
const DIGITS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));

/**
 * Round to 6 decimals for output: `(Math.round(v * 1e6) / 1e6).toFixed(6)`. Below 4e9 the double
 * nearest to r / 1e6 lies far closer to it than half a millionth, so `toFixed(6)` writes exactly the
 * digits of the integer r: they are written from r directly (no float formatting).
 */
export function usd6(v: number): string {
  const r = Math.round(v * 1e6);
  if (!(r >= 0 && r < 4e15)) return (Math.round(v * 1e6) / 1e6).toFixed(6);
  const units = Math.floor(r / 1e6);
  const micros = r - units * 1e6;
  const high = Math.floor(micros / 1000);
  return `${units}.${DIGITS3[high]}${DIGITS3[micros - high * 1000]}`;
}
