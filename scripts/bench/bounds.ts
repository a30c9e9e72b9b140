/**
 * The bounds every stage is compared with, measured on the same data in the same run:
 * gpt-tokenizer's own `countTokens` throughput, and `JSON.parse` throughput.
 */
import { createTokenCounter, type TokenMethod } from '@catia/shared';

export async function tokenizerThroughput(method: TokenMethod, texts: readonly string[]) {
  const count = await createTokenCounter(method);
  count('calentamiento'); // load the encoding outside the timed part
  let bytes = 0;
  for (const t of texts) bytes += Buffer.byteLength(t);
  const t0 = performance.now();
  let tokens = 0;
  for (const t of texts) tokens += count(t);
  const ms = performance.now() - t0;
  return { ms, bytes, tokens, mbPerSec: bytes / 1e6 / (ms / 1000) };
}

export function jsonParseThroughput(lines: readonly string[]) {
  let bytes = 0;
  for (const l of lines) bytes += Buffer.byteLength(l);
  const t0 = performance.now();
  let n = 0;
  for (const l of lines) {
    try {
      JSON.parse(l);
      n++;
    } catch {
      // malformed items are part of the sample; the parse attempt still counts for the bound
    }
  }
  const ms = performance.now() - t0;
  return { ms, bytes, items: n, mbPerSec: bytes / 1e6 / (ms / 1000) };
}
