/**
 * Token counts of the conversations of many rows at once, packed in one Float64Array so that a
 * batch crosses between threads as a single transferable buffer (see `workers.ts`). The same
 * function runs on the main thread and in the token workers: one code path for every count.
 */
import type { TokenCounter } from '@catia/shared';
import { type Conversation, conversations, RowTypeError } from './rows';

/**
 * The measures of a batch of `conversacion_completa` texts. For each text, in order, `values`
 * holds either `n ≥ 0` (its number of conversations) followed by `n` triples
 * `(user tokens, bot tokens, epoch ms of the earliest dated message or NaN)`, or `-1 - i` when
 * the text cannot be typed, `errors[i]` being the {@link RowTypeError} message.
 */
export interface MeasuredBatch {
  values: Float64Array;
  errors: string[];
}

/** Parse and validate each text (as {@link conversations} does), then count the tokens of every message once. */
export function measureConversations(texts: readonly string[], count: TokenCounter): MeasuredBatch {
  const parsed: Array<Conversation[] | string> = [];
  let size = texts.length;
  for (const text of texts) {
    try {
      const convs = conversations(text);
      parsed.push(convs);
      size += 3 * convs.length;
    } catch (err) {
      if (!(err instanceof RowTypeError)) throw err;
      parsed.push(err.message);
    }
  }
  const values = new Float64Array(size);
  const errors: string[] = [];
  let at = 0;
  for (const convs of parsed) {
    if (typeof convs === 'string') {
      values[at++] = -1 - errors.length;
      errors.push(convs);
      continue;
    }
    values[at++] = convs.length;
    for (const conv of convs) {
      let u = 0;
      let b = 0;
      for (const t of conv.turns) {
        if (t.rol === 'user') u += count(t.texto);
        else b += count(t.texto);
      }
      values[at++] = u;
      values[at++] = b;
      values[at++] = conv.firstMs ?? Number.NaN;
    }
  }
  return { values, errors };
}

/**
 * {@link measureConversations} of texts given as UTF-8 bytes back to back: text `i` is
 * `bytes[ends[i-1] ?? 0, ends[i])`. Each is decoded as the CSV parser would decode it (a bad byte
 * sequence reads as U+FFFD), so counts do not depend on where a text was decoded.
 */
export function measureUtf8(bytes: Uint8Array, ends: ArrayLike<number>, n: number, count: TokenCounter): MeasuredBatch {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const texts: string[] = new Array(n);
  let start = 0;
  for (let i = 0; i < n; i++) {
    const end = ends[i] as number;
    texts[i] = buf.toString('utf-8', start, end);
    start = end;
  }
  return measureConversations(texts, count);
}
