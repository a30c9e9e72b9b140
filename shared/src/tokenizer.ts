/**
 * Token estimators. No public tokenizer matches Claude, so every count is an estimate and each
 * output names the method: `chars/4` (the original formula: floor of code points / 4),
 * `o200k_base` and `cl100k_base` (gpt-tokenizer).
 */
import { z } from 'zod';

export const tokenMethodSchema = z.enum(['chars/4', 'o200k_base', 'cl100k_base']);
export type TokenMethod = z.infer<typeof tokenMethodSchema>;
export type TokenCounter = (text: string) => number;

/** Code points (what Python's `len` counts), not UTF-16 units. */
export function codePointLength(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

export const charsPer4: TokenCounter = (text) => Math.floor(codePointLength(text) / 4);

/** A counter for `method`. The BPE encodings load lazily (≈0.3 s on first use). */
export async function createTokenCounter(method: TokenMethod): Promise<TokenCounter> {
  switch (method) {
    case 'chars/4':
      return charsPer4;
    case 'o200k_base': {
      const { countTokens } = await import('gpt-tokenizer/encoding/o200k_base');
      return (text) => (text ? countTokens(text) : 0);
    }
    case 'cl100k_base': {
      const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
      return (text) => (text ? countTokens(text) : 0);
    }
  }
}
