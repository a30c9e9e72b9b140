/**
 * transform: one normalize CSV → typed Parquet with token counts and estimated cost.
 * Streams rows: CSV parser → typing → token counts → Parquet row groups → S3 multipart upload.
 * The Parquet object at OUTPUT_KEY is replaced whole, or (on any failure) left as it was.
 *
 * Accounting: every CSV row is written or rejected (keys + reason in the rejects file).
 * Cost: each conversation is priced at the rate in force on its date (its earliest dated message,
 * as a Bogotá day; else the user's first conversation date; else the CSV's run date, counted as
 * `undatedConversations`) for the configured model: (user tokens × input + bot tokens × output) / 1M.
 * A conversation the price table cannot price rejects its row: never a silent zero.
 */
import {
  bogotaDay,
  CsvSyntaxError,
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
  USER_CSV_COLUMNS,
} from '@catia/shared';
import type { TransformConfig } from './config';
import { type Conversation, RowTypeError, type TypedRow, typeRow } from './rows';

export const INPUT_COLUMNS = USER_CSV_COLUMNS;

/** One output row: the typed CSV columns plus the estimates. */
export interface OutputRow extends TypedRow {
  tokens_pregunta: number;
  tokens_respuesta: number;
  tokens_total: number;
  costo_estimado_usd: number;
  metodo_tokens: string;
  modelo_precio: string;
  [column: string]: unknown;
}

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
  { name: 'conversacion_completa', type: 'string', longText: true },
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
  /** The rejects file (empty when no row was rejected). */
  rejectsKey: string;
  tokenizer: string;
  model: string;
  priceTableVersion: string;
  tokens: { pregunta: number; respuesta: number; total: number };
  /** Sum of `costo_estimado_usd` over the written rows, full precision. */
  costUsd: number;
  conversations: number;
  /** Conversations without any dated message, priced on the user's first conversation date or the CSV's run date. */
  undatedConversations: number;
}

export interface TransformDeps {
  store: ObjectStore;
  config: Pick<TransformConfig, 'CATIA_MODEL_ID' | 'TRANSFORM_TOKENIZER' | 'OUTPUT_KEY' | 'REJECTS_PREFIX'>;
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

/** `reports/etl-process1/data_20251231.csv` → `<REJECTS_PREFIX>data_20251231.jsonl` */
export function rejectsKeyFor(key: string, rejectsPrefix: string): string {
  const base = key.slice(key.lastIndexOf('/') + 1).replace(/\.csv$/, '');
  return `${rejectsPrefix}${base}.jsonl`;
}

/**
 * Transform one normalize CSV into the typed Parquet at OUTPUT_KEY. Throws {@link InputError} when
 * the CSV is missing, malformed as CSV or lacks a column; S3 faults propagate (retryable).
 */
export async function runTransform(deps: TransformDeps): Promise<TransformSummary> {
  const { store, config, key, prices, countTokens } = deps;
  const body = await store.read(key);
  if (!body) throw new InputError(`no object at ${store.uri(key)}`);
  const tally = new RunTally('transform');
  const model = config.CATIA_MODEL_ID;
  const method = config.TRANSFORM_TOKENIZER;
  const runDay = runDateOfKey(key);
  const tokens = { pregunta: 0, respuesta: 0, total: 0 };
  let costUsd = 0;
  let conversationCount = 0;
  let undatedConversations = 0;
  deps.logger?.info('transform started', { inputKey: key, tokenizer: method, model });

  const { stream, sink } = passThroughSink();
  const upload = store.write(config.OUTPUT_KEY, stream, 'application/vnd.apache.parquet');
  const writer = new ParquetRowWriter(PARQUET_COLUMNS, sink, deps.rowGroupSize ?? 20_000);

  /** Tokens and cost of one user's conversations; throws RowTypeError when a conversation cannot be priced. */
  const measureRow = (convs: Conversation[], firstDay: string | null) => {
    let pregunta = 0;
    let respuesta = 0;
    let cost = 0;
    let undated = 0;
    for (const conv of convs) {
      let u = 0;
      let b = 0;
      for (const t of conv.turns) {
        if (t.rol === 'user') u += countTokens(t.texto);
        else b += countTokens(t.texto);
      }
      pregunta += u;
      respuesta += b;
      if (u === 0 && b === 0) continue; // nothing to price, so no date needed
      let day: string | undefined;
      if (conv.firstMs !== undefined) day = bogotaDay(conv.firstMs);
      else {
        day = firstDay ?? runDay;
        undated++;
      }
      const rate = day === undefined ? undefined : prices.rate(model, day);
      if (!rate) throw new RowTypeError(`no price for ${model} on ${day ?? 'an unknown date'}`);
      cost += (u * rate.input + b * rate.output) / 1_000_000;
    }
    return { pregunta, respuesta, cost, undated };
  };

  const pump = async () => {
    try {
      for await (const row of readCsv(body, INPUT_COLUMNS)) {
        tally.scanned++;
        let out: OutputRow;
        let m: ReturnType<typeof measureRow>;
        let convCount: number;
        try {
          const { typed, conversations } = typeRow(row);
          m = measureRow(conversations, typed.fecha_primera_conversacion);
          convCount = conversations.length;
          out = {
            ...typed,
            tokens_pregunta: m.pregunta,
            tokens_respuesta: m.respuesta,
            tokens_total: m.pregunta + m.respuesta,
            costo_estimado_usd: m.cost,
            metodo_tokens: method,
            modelo_precio: model,
          };
        } catch (err) {
          if (!(err instanceof RowTypeError)) throw err;
          tally.reject({ usuario_id: row.usuario_id ?? '' }, err.message);
          continue;
        }
        await writer.write(out);
        tally.written++;
        tokens.pregunta += m.pregunta;
        tokens.respuesta += m.respuesta;
        tokens.total += m.pregunta + m.respuesta;
        costUsd += m.cost;
        conversationCount += convCount;
        undatedConversations += m.undated;
      }
      await writer.close();
    } catch (err) {
      stream.destroy(err as Error);
      if (err instanceof MissingColumnError || err instanceof CsvSyntaxError) {
        throw new InputError(`${store.uri(key)}: ${err.message}`, { cause: err });
      }
      throw err;
    }
  };
  const [pumped, uploaded] = await Promise.allSettled([pump(), upload]);
  if (pumped.status === 'rejected') throw pumped.reason;
  if (uploaded.status === 'rejected') throw uploaded.reason;

  // Written on every run, empty when nothing was rejected, so a re-run never leaves a stale list.
  const rejectsKey = rejectsKeyFor(key, config.REJECTS_PREFIX);
  await store.write(rejectsKey, rejectionsToJsonl(tally.rejections), 'application/x-ndjson');
  if (deps.retries) tally.retries = deps.retries.retries;
  const summary: TransformSummary = {
    ...tally.finish(),
    inputKey: key,
    outputKey: config.OUTPUT_KEY,
    rejectsKey,
    tokenizer: method,
    model,
    priceTableVersion: prices.version,
    tokens,
    costUsd,
    conversations: conversationCount,
    undatedConversations,
  };
  deps.logger?.info('transform finished', { ...summary });
  return summary;
}
