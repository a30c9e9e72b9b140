/**
 * Token counts of the conversations of many rows at once, packed in one Float64Array so that a
 * batch crosses between threads as a single transferable buffer (see `workers.ts`). The same
 * function runs on the main thread and in the token workers: one code path for every count.
 */
import type { TokenCounter } from '@catia/shared';
import { conversations, RowTypeError } from './rows';

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
  const values: number[] = [];
  const errors: string[] = [];
  for (const text of texts) {
    let convs: ReturnType<typeof conversations>;
    try {
      convs = conversations(text);
    } catch (err) {
      if (!(err instanceof RowTypeError)) throw err;
      values.push(-1 - errors.length);
      errors.push(err.message);
      continue;
    }
    values.push(convs.length);
    for (const conv of convs) {
      let u = 0;
      let b = 0;
      for (const t of conv.turns) {
        if (t.rol === 'user') u += count(t.texto);
        else b += count(t.texto);
      }
      values.push(u, b, conv.firstMs ?? Number.NaN);
    }
  }
  return { values: Float64Array.from(values), errors };
}
