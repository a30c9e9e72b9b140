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
  type Rate,
  type RetryCounter,
  type RunSummary,
  RunTally,
  readCsvWithRaw,
  rejectionsToJsonl,
  type TokenCounter,
  USER_CSV_COLUMNS,
} from '@catia/shared';
import type { TransformConfig } from './config';
import { type MeasuredBatch, measureUtf8 } from './measure';
import { RowTypeError, type TypedRow, typeColumns } from './rows';
import { SlabPool, type TextSlab } from './text-slab';

/** Measures batches of conversations off this thread (implemented by the token workers). */
export interface ConversationMeasurer {
  /** Threads measuring. */
  readonly size: number;
  /** Start {@link measureUtf8} of the slab's texts on another thread (the slab stays the caller's). */
  send(slab: TextSlab): MeasureJob;
  /** Take in the measures already done (without waiting), so jobs show them. */
  poll(): void;
}

/** One batch sent to be measured. */
export interface MeasureJob {
  /** Its measures, once in (see {@link ConversationMeasurer.poll}). */
  readonly measured?: MeasuredBatch;
  /** Why it could not be measured (the run fails with it). */
  readonly failure?: Error;
  /** Resolves when `measured` or `failure` is set. */
  readonly settled: Promise<void>;
  /** Take the batch back if no thread has started it (true: the caller must measure it). */
  takeBack(): boolean;
}

export const INPUT_COLUMNS = USER_CSV_COLUMNS;

/** One output row: the typed CSV columns plus the estimates (`conversacion_completa` as its UTF-8 bytes). */
export interface OutputRow extends Omit<TypedRow, 'conversacion_completa'> {
  conversacion_completa: Uint8Array;
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
  /** Counts tokens on this thread: every batch when there are no workers, the overflow when there are. */
  countTokens: TokenCounter;
  /** Token workers (other threads) that measure batches of conversations; see `workers.ts`. */
  workers?: ConversationMeasurer;
  logger?: Logger;
  retries?: RetryCounter;
  rowGroupSize?: number;
}

/** Rows whose conversations are measured together (one message to a worker): by text size, or by count. */
const BATCH_BYTES = 128 * 1024;
const BATCH_ROWS = 512;
/** Slab size: a batch closes past BATCH_BYTES, so its last text may take up to the rest. */
const SLAB_BYTES = 256 * 1024;
/**
 * Read ahead: conversation bytes read and not yet written. Every batch goes to the workers as soon
 * as it is read, so this is also how much work they hold while this thread encodes a Parquet row
 * group; past it, this thread stops reading and measures batches itself, or waits. Kept small so
 * the same slabs come back (32 MB of fresh slabs per 100k items cost ~0.1 s of first-touch page
 * faults here, for no gain in balance).
 */
const MAX_PENDING_BYTES = 8 * 1024 * 1024;
const MAX_PENDING_BATCHES = 1024;

/** A row of a batch: typed columns waiting for their measures, or a rejection kept in CSV order. */
type BatchItem = TypedRow | { usuarioId: string; reason: string };
interface Batch {
  items: BatchItem[];
  /** `conversacion_completa` of each typed item, in order, as UTF-8 bytes. */
  texts: TextSlab;
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
 *
 * Rows go in batches: their columns are typed on this thread, their conversations are measured
 * (parsed, validated, tokens counted) by the token workers when `deps.workers` is given — this
 * thread measures a batch itself when it would otherwise wait — and each batch's rows are then
 * priced and written in CSV order, so the output does not depend on who measured what.
 */
export async function runTransform(deps: TransformDeps): Promise<TransformSummary> {
  const { store, config, key, prices, countTokens, workers } = deps;
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
  deps.logger?.info('transform started', { inputKey: key, tokenizer: method, model, workers: workers?.size ?? 0 });

  const { stream, sink } = passThroughSink();
  const upload = store.write(config.OUTPUT_KEY, stream, 'application/vnd.apache.parquet');
  const writer = new ParquetRowWriter(PARQUET_COLUMNS, sink, deps.rowGroupSize ?? 20_000);

  /** The model's rate by day (one lookup per distinct day of the run). */
  const rates = new Map<string, Rate | undefined>();
  const rateOn = (day: string) => {
    if (!rates.has(day)) rates.set(day, prices.rate(model, day));
    return rates.get(day);
  };

  /** Price, build and write (or reject) the rows of one measured batch, in CSV order. */
  const writeBatch = async (batch: Batch, measured: MeasuredBatch) => {
    const { values, errors } = measured;
    let at = 0;
    let text = 0;
    for (const item of batch.items) {
      if (typeof item === 'object' && 'reason' in item) {
        tally.reject({ usuario_id: item.usuarioId }, item.reason);
        continue;
      }
      const typed = item;
      const conversacion = batch.texts.text(text++);
      const n = values[at++] as number;
      if (n < 0) {
        tally.reject({ usuario_id: typed.usuario_id }, errors[-1 - n] as string);
        continue;
      }
      // Tokens and cost of the user's conversations: each at the rate in force on its date.
      let pregunta = 0;
      let respuesta = 0;
      let cost = 0;
      let undated = 0;
      let unpriced: string | undefined;
      for (let c = 0; c < n; c++, at += 3) {
        const u = values[at] as number;
        const b = values[at + 1] as number;
        const firstMs = values[at + 2] as number;
        pregunta += u;
        respuesta += b;
        if (unpriced !== undefined || (u === 0 && b === 0)) continue; // nothing to price, so no date needed
        let day: string | undefined;
        if (!Number.isNaN(firstMs)) day = bogotaDay(firstMs);
        else {
          day = typed.fecha_primera_conversacion ?? runDay;
          undated++;
        }
        const rate = day === undefined ? undefined : rateOn(day);
        if (!rate) unpriced = `no price for ${model} on ${day ?? 'an unknown date'}`;
        else cost += (u * rate.input + b * rate.output) / 1_000_000;
      }
      if (unpriced !== undefined) {
        tally.reject({ usuario_id: typed.usuario_id }, unpriced);
        continue;
      }
      // Every column named (a spread here measured ~4 KB of allocation per row).
      const out: OutputRow = {
        usuario_id: typed.usuario_id,
        nombre: typed.nombre,
        email: typed.email,
        gerencia: typed.gerencia,
        ciudad: typed.ciudad,
        fecha_primera_conversacion: typed.fecha_primera_conversacion,
        fecha_ultima_conversacion: typed.fecha_ultima_conversacion,
        numero_conversaciones: typed.numero_conversaciones,
        numero_mensajes: typed.numero_mensajes,
        lista_preguntas: typed.lista_preguntas,
        feedback_likes: typed.feedback_likes,
        feedback_dislikes: typed.feedback_dislikes,
        feedback_ultima_respuesta: typed.feedback_ultima_respuesta,
        comentarios_feedback: typed.comentarios_feedback,
        conversacion_completa: conversacion,
        tokens_pregunta: pregunta,
        tokens_respuesta: respuesta,
        tokens_total: pregunta + respuesta,
        costo_estimado_usd: cost,
        metodo_tokens: method,
        modelo_precio: model,
      };
      await writer.write(out);
      tally.written++;
      tokens.pregunta += pregunta;
      tokens.respuesta += respuesta;
      tokens.total += pregunta + respuesta;
      costUsd += cost;
      conversationCount += n;
      undatedConversations += undated;
    }
  };

  /** Batches read and not yet written, in CSV order. */
  const pending: Array<{ batch: Batch; job?: MeasureJob; measured?: MeasuredBatch }> = [];
  let pendingBytes = 0;
  const slabs = new SlabPool(SLAB_BYTES);
  const measureHere = (slab: TextSlab) => measureUtf8(slab.bytes, slab.ends, slab.ends.length, countTokens);
  const measured = (e: (typeof pending)[number]) => {
    if (!e.measured && e.job) {
      if (e.job.failure) throw e.job.failure;
      e.measured = e.job.measured;
    }
    return e.measured;
  };
  /**
   * Write the batches at the head whose measures are in. Then, when `final` or when too much is
   * read ahead, make progress without reading more: measure here the earliest batch no worker has
   * started, or else wait for the head.
   */
  const settle = async (final: boolean) => {
    while (pending.length > 0) {
      workers?.poll();
      let head = pending[0] as (typeof pending)[number];
      for (let m = measured(head); m; m = measured(head)) {
        pending.shift();
        pendingBytes -= head.batch.texts.length;
        await writeBatch(head.batch, m);
        slabs.give(head.batch.texts);
        if (pending.length === 0) return;
        workers?.poll();
        head = pending[0] as (typeof pending)[number];
      }
      if (!final && pendingBytes <= MAX_PENDING_BYTES && pending.length <= MAX_PENDING_BATCHES) return;
      const free = pending.find((e) => !measured(e) && (!e.job || e.job.takeBack()));
      if (free) free.measured = measureHere(free.batch.texts);
      else await head.job?.settled;
    }
  };
  const dispatch = async (batch: Batch) => {
    pending.push(workers ? { batch, job: workers.send(batch.texts) } : { batch, measured: measureHere(batch.texts) });
    pendingBytes += batch.texts.length;
    await settle(false);
  };

  const pump = async () => {
    try {
      let batch: Batch = { items: [], texts: slabs.take() };
      // The conversations column is read as bytes: copied once into the batch's slab, measured from
      // there (here or by a worker) and written to the Parquet from there, never held as a string.
      for await (const { row, raw } of readCsvWithRaw(body, INPUT_COLUMNS, 'conversacion_completa')) {
        tally.scanned++;
        try {
          const typed = typeColumns(row);
          if (!batch.texts.fits(raw.length)) {
            // `raw` stays valid while this waits: the parser moves on only when asked for the next row.
            if (batch.items.length > 0) await dispatch(batch);
            else slabs.give(batch.texts);
            batch = { items: [], texts: slabs.take(raw.length) };
          }
          batch.texts.add(raw);
          batch.items.push(typed);
        } catch (err) {
          if (!(err instanceof RowTypeError)) throw err;
          batch.items.push({ usuarioId: row.usuario_id ?? '', reason: err.message });
        }
        if (batch.texts.length >= BATCH_BYTES || batch.items.length >= BATCH_ROWS) {
          await dispatch(batch);
          batch = { items: [], texts: slabs.take() };
        }
      }
      if (batch.items.length > 0) await dispatch(batch);
      await settle(true);
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
