/**
 * transform: one normalize CSV → typed Parquet with token counts and estimated cost.
 * Streams rows: CSV parser → typing → token counts → Parquet row groups → S3 multipart upload.
 * The Parquet object at OUTPUT_KEY is replaced whole, or (on any failure) left as it was.
 *
 * Accounting: every CSV row is written or rejected (keys + reason in the rejects file).
 * Cost: each conversation is priced at the rate in force on its date (its first dated message,
 * in Bogotá; else the user's first conversation date; else the run date of the CSV, counted as
 * `undatedConversations`) for the configured model: user tokens × input + bot tokens × output.
 */
import {
  bogotaDay,
  InputError,
  type Logger,
  MissingColumnError,
  type ObjectStore,
  type ParquetColumn,
  ParquetRowWriter,
  type PriceTable,
  passThroughSink,
  type RetryCounter,
  type RunSummary,
  RunTally,
  readCsv,
  rejectionsToJsonl,
  type TokenCounter,
  toEpochMs,
  USER_CSV_COLUMNS,
} from '@catia/shared';
import type { TransformConfig } from './config';
import { RowTypeError, type Turn, typeRow } from './rows';

export const INPUT_COLUMNS = USER_CSV_COLUMNS;

export const PARQUET_COLUMNS: ParquetColumn[] = [
  { name: 'usuario_id', type: 'string', required: true },
  { name: 'nombre', type: 'string' },
  { name: 'email', type: 'string' },
  { name: 'gerencia', type: 'string' },
  { name: 'ciudad', type: 'string' },
  { name: 'fecha_primera_conversacion', type: 'date' },
  { name: 'fecha_ultima_conversacion', type: 'date' },
  { name: 'numero_conversaciones', type: 'int32' },
  { name: 'numero_mensajes', type: 'int32' },
  { name: 'lista_preguntas', type: 'string_list' },
  { name: 'feedback_likes', type: 'int32' },
  { name: 'feedback_dislikes', type: 'int32' },
  { name: 'feedback_ultima_respuesta', type: 'string' },
  { name: 'comentarios_feedback', type: 'string_list' },
  { name: 'conversacion_completa', type: 'string' },
  { name: 'tokens_pregunta', type: 'int64' },
  { name: 'tokens_respuesta', type: 'int64' },
  { name: 'tokens_total', type: 'int64' },
  { name: 'costo_estimado_usd', type: 'double' },
  { name: 'metodo_tokens', type: 'string' },
  { name: 'modelo_precio', type: 'string' },
];

export interface TransformSummary extends RunSummary {
  inputKey: string;
  outputKey: string;
  rejectsKey: string;
  tokenizer: string;
  model: string;
  priceTableVersion: string;
  tokens: { pregunta: number; respuesta: number; total: number };
  costUsd: number;
  conversations: number;
  undatedConversations: number;
}

export interface TransformDeps {
  store: ObjectStore;
  config: TransformConfig;
  key: string;
  prices: PriceTable;
  countTokens: TokenCounter;
  logger?: Logger;
  retries?: RetryCounter;
  rowGroupSize?: number;
}

/** `reports/etl-process1/data_20251231.csv` → `2025-12-31` (the run date), if the name carries one. */
export function runDateOfKey(key: string): string | undefined {
  const m = /(\d{4})(\d{2})(\d{2})\.csv$/.exec(key);
  return m ? `${m[1]}-${m[2]}-${m[3]}` : undefined;
}

export async function runTransform(deps: TransformDeps): Promise<TransformSummary> {
  const { store, config, key, prices, countTokens } = deps;
  const body = await store.read(key);
  if (!body) throw new InputError(`no object at ${store.uri(key)}`);
  const tally = new RunTally('transform');
  const model = config.CATIA_MODEL_ID;
  const fallbackDay = runDateOfKey(key);
  const tokens = { pregunta: 0, respuesta: 0, total: 0 };
  let costUsd = 0;
  let conversations = 0;
  let undatedConversations = 0;

  const { stream, sink } = passThroughSink();
  const upload = store.write(config.OUTPUT_KEY, stream, 'application/vnd.apache.parquet');
  const writer = new ParquetRowWriter(PARQUET_COLUMNS, sink, deps.rowGroupSize ?? 20_000);

  const price = (turns: Turn[], userFirstDay: string | null, userTok: number, botTok: number): number => {
    let day: string | undefined;
    for (const t of turns) {
      const ms = t.fecha ? toEpochMs(t.fecha) : undefined;
      if (ms !== undefined) {
        day = bogotaDay(ms);
        break;
      }
    }
    if (!day) {
      day = userFirstDay ?? fallbackDay;
      undatedConversations++;
    }
    const rate = day ? prices.rate(model, day) : undefined;
    if (!rate) throw new RowTypeError(`no price for ${model} on ${day ?? 'an unknown date'}`);
    return (userTok * rate.input + botTok * rate.output) / 1_000_000;
  };

  const pump = async () => {
    try {
      for await (const row of readCsv(body, INPUT_COLUMNS)) {
        tally.scanned++;
        let out: Record<string, unknown>;
        try {
          const { typed, turns } = typeRow(row);
          let pregunta = 0;
          let respuesta = 0;
          let cost = 0;
          for (const conv of turns) {
            let u = 0;
            let b = 0;
            for (const t of conv) {
              if (t.rol === 'user') u += countTokens(t.texto);
              else b += countTokens(t.texto);
            }
            cost += price(conv, typed.fecha_primera_conversacion, u, b);
            pregunta += u;
            respuesta += b;
          }
          conversations += turns.length;
          out = {
            ...typed,
            tokens_pregunta: pregunta,
            tokens_respuesta: respuesta,
            tokens_total: pregunta + respuesta,
            costo_estimado_usd: cost,
            metodo_tokens: config.TRANSFORM_TOKENIZER,
            modelo_precio: model,
          };
          tokens.pregunta += pregunta;
          tokens.respuesta += respuesta;
          tokens.total += pregunta + respuesta;
          costUsd += cost;
        } catch (err) {
          if (!(err instanceof RowTypeError)) throw err;
          tally.reject({ usuario_id: row.usuario_id ?? '' }, err.message);
          continue;
        }
        await writer.write(out);
        tally.written++;
      }
      await writer.close();
    } catch (err) {
      stream.destroy(err as Error);
      if (err instanceof MissingColumnError) throw new InputError(`${store.uri(key)}: ${err.message}`);
      throw err;
    }
  };
  const [pumped, uploaded] = await Promise.allSettled([pump(), upload]);
  if (pumped.status === 'rejected') throw pumped.reason;
  if (uploaded.status === 'rejected') throw uploaded.reason;

  const base = key.slice(key.lastIndexOf('/') + 1).replace(/\.csv$/, '');
  const rejectsKey = `${config.REJECTS_PREFIX}${base}.jsonl`;
  await store.write(rejectsKey, rejectionsToJsonl(tally.rejections), 'application/x-ndjson');
  if (deps.retries) tally.retries = deps.retries.retries;
  const summary: TransformSummary = {
    ...tally.finish(),
    inputKey: key,
    outputKey: config.OUTPUT_KEY,
    rejectsKey,
    tokenizer: config.TRANSFORM_TOKENIZER,
    model,
    priceTableVersion: prices.version,
    tokens,
    costUsd,
    conversations,
    undatedConversations,
  };
  deps.logger?.info('transform finished', { ...summary });
  return summary;
}
