/**
 * Bench data: the sample generator's items at a given size, and the texts inside them, so that
 * every stage and its bound are measured on the same data.
 */
import { generateBedrockNewItems, generateBedrockOldItems, generateCatiaItems } from '../lib/sample-data';

export const SEED = 20261125;

/** `10k` → 10000, `1m` → 1000000. */
export function parseSize(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([km]?)$/i.exec(s.trim());
  if (!m) throw new Error(`bad size "${s}" (use e.g. 10k, 100k, 1m)`);
  const mult = { '': 1, k: 1e3, m: 1e6 }[(m[2] ?? '').toLowerCase() as '' | 'k' | 'm'];
  return Math.round(Number(m[1]) * mult);
}

/** Exactly `n` Catia items (≈3 per user). */
export function catiaItems(n: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const item of generateCatiaItems({ users: Math.ceil(n / 3) + 10, seed: SEED })) {
    if (out.length >= n) break;
    out.push(item);
  }
  return out;
}

/** Bedrock Chat records until `conversations` conversation items are included. */
export function bedrockRecords(table: 'old' | 'new', conversations: number) {
  const gen = table === 'old' ? generateBedrockOldItems : generateBedrockNewItems;
  const out: ReturnType<typeof gen> extends Iterable<infer R> ? R[] : never = [];
  let convs = 0;
  for (const r of gen({ users: Math.ceil(conversations / 2.5) + 10, seed: SEED })) {
    if (convs >= conversations) break;
    if (String(r.item.SK).includes('#CONV#')) convs++;
    out.push(r);
  }
  return out;
}

/** Every string value under keys that hold message text, for the tokenizer bound. */
export function collectTexts(v: unknown, keys: ReadonlySet<string>, out: string[] = [], key?: string): string[] {
  if (typeof v === 'string') {
    if (key !== undefined && keys.has(key)) out.push(v);
  } else if (Array.isArray(v)) {
    for (const x of v) collectTexts(x, keys, out, key);
  } else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collectTexts(x, keys, out, k);
  }
  return out;
}
