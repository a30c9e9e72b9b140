/**
 * Reads a DynamoDB "Export to S3" (DYNAMODB_JSON) and loads items into a table with BatchWriteItem.
 * Used to seed the emulator (or a real table) from a production export or from `generate-sample.ts` output.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { InputError, RetryableError } from '@catia/shared/errors';

/** A raw DynamoDB item: attribute name → AttributeValue (`{"S": "…"}`, `{"N": "…"}`, …). */
export type AttributeMap = Record<string, AttributeValue>;

/** Counters filled in while an export is read. */
export interface ExportReadStats {
  /** Data files opened. */
  files: number;
  /** Non-blank lines read. */
  lines: number;
  /** Items yielded. */
  items: number;
  /** Incremental-export lines without `NewImage` (deletes), skipped. */
  skippedWithoutNewImage: number;
}

export function createExportReadStats(): ExportReadStats {
  return { files: 0, lines: 0, items: 0, skippedWithoutNewImage: 0 };
}

const DATA_FILE = /\.jsonl?(\.gz)?$/i;

function isDataFile(name: string): boolean {
  return DATA_FILE.test(name) && !name.toLowerCase().startsWith('manifest-');
}

async function listDataFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listDataFiles(path)));
    else if (entry.isFile() && isDataFile(entry.name)) files.push(path);
  }
  return files;
}

async function resolveFiles(inputPath: string): Promise<string[]> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(inputPath);
  } catch (err) {
    throw new InputError(`Export path does not exist or cannot be read: ${inputPath}`, { cause: err });
  }
  if (!info.isDirectory()) return [inputPath];
  const files = await listDataFiles(inputPath);
  if (files.length === 0) throw new InputError(`No export data files (*.json, *.json.gz) under ${inputPath}`);
  return files;
}

/** gzip is recognised by its magic bytes, so a mis-named file still reads. */
async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const { bytesRead, buffer } = await handle.read(Buffer.alloc(2), 0, 2, 0);
    return bytesRead === 2 && buffer[0] === 0x1f && buffer[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

async function* readFileItems(file: string, stats: ExportReadStats): AsyncGenerator<AttributeMap> {
  const raw = createReadStream(file);
  let input: Readable = raw;
  if (await isGzip(file)) {
    const gunzip = createGunzip();
    raw.on('error', (err) => gunzip.destroy(err));
    input = raw.pipe(gunzip);
  }
  // readline does not always surface input errors through its iterator; remember them and rethrow.
  let streamError: Error | undefined;
  input.on('error', (err) => {
    streamError = err;
  });
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  stats.files++;
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber++;
      if (line.trim() === '') continue;
      stats.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        throw new InputError(`${file}:${lineNumber}: line is not valid JSON`, { cause: err });
      }
      if (isRecord(parsed)) {
        if (isRecord(parsed['Item'])) {
          stats.items++;
          yield parsed['Item'] as AttributeMap;
          continue;
        }
        if (isRecord(parsed['NewImage'])) {
          stats.items++;
          yield parsed['NewImage'] as AttributeMap;
          continue;
        }
        if (isRecord(parsed['Keys']) && !('Item' in parsed)) {
          stats.skippedWithoutNewImage++;
          continue;
        }
      }
      throw new InputError(`${file}:${lineNumber}: line has no "Item" (or incremental "NewImage") object`);
    }
    if (streamError) throw streamError;
  } catch (err) {
    if (streamError && !(err instanceof InputError)) {
      throw new InputError(`${file}: cannot read export data: ${streamError.message}`, { cause: streamError });
    }
    throw err;
  } finally {
    lines.close();
    input.destroy();
    raw.destroy();
  }
}

/**
 * Items of a DynamoDB "Export to S3" in DYNAMODB_JSON format, as raw AttributeValue maps, streamed line by line.
 *
 * `inputPath` is a `.json`/`.jsonl` file, a gzip file (`.json.gz`), or a directory: every `*.json[l][.gz]` under
 * it, recursively and in name order, except `manifest-*` files (so `<prefix>/AWSDynamoDB/<ExportId>/` works).
 * Full-export lines give their `Item`; incremental-export lines give their `NewImage`, and lines without one
 * (deletes) are skipped and counted in `stats.skippedWithoutNewImage`.
 *
 * @throws InputError when the path does not exist, a directory holds no data file, or a line is not JSON or has
 * neither `Item` nor `NewImage` (the message names the file and the 1-based line number).
 */
export async function* readExportItems(
  inputPath: string,
  options: { stats?: ExportReadStats } = {},
): AsyncGenerator<AttributeMap> {
  const stats = options.stats ?? createExportReadStats();
  for (const file of await resolveFiles(inputPath)) yield* readFileItems(file, stats);
}

type ItemSource<T> = AsyncIterable<T> | Iterable<T>;

interface LoadCommon {
  client: DynamoDBClient;
  tableName: string;
  /** Batches in flight at once (default 8). */
  concurrency?: number;
  /** BatchWriteItem calls per batch before unprocessed items become a RetryableError (default 10). */
  maxAttempts?: number;
  /** First backoff delay for unprocessed items, doubled on each retry up to 5 s (default 50 ms). */
  baseDelayMs?: number;
  /** Called with the running total of items written after each batch completes. */
  onProgress?: (written: number) => void;
}

/** `raw: true` for AttributeValue maps (e.g. from {@link readExportItems}); `raw: false` for plain JS objects. */
export type LoadItemsOptions = LoadCommon &
  ({ raw: true; items: ItemSource<AttributeMap> } | { raw: false; items: ItemSource<Record<string, unknown>> });

const BATCH_SIZE = 25;
const MAX_DELAY_MS = 5000;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function writeBatch(options: LoadItemsOptions, requests: WriteRequest[]): Promise<number> {
  const maxAttempts = options.maxAttempts ?? 10;
  const baseDelay = options.baseDelayMs ?? 50;
  let pending = requests;
  let written = 0;
  for (let attempt = 1; ; attempt++) {
    const output = await options.client.send(
      new BatchWriteItemCommand({ RequestItems: { [options.tableName]: pending } }),
    );
    const unprocessed = output.UnprocessedItems?.[options.tableName] ?? [];
    written += pending.length - unprocessed.length;
    if (unprocessed.length === 0) return written;
    if (attempt >= maxAttempts) {
      throw new RetryableError(
        `BatchWriteItem left ${unprocessed.length} unprocessed items in ${options.tableName} after ${attempt} attempts`,
      );
    }
    await sleep(Math.min(MAX_DELAY_MS, baseDelay * 2 ** (attempt - 1)));
    pending = unprocessed;
  }
}

/**
 * Writes items with BatchWriteItem (PutRequest) in batches of 25, with up to `concurrency` batches in flight,
 * retrying UnprocessedItems with exponential backoff. Items are pulled from `items` only as batches complete,
 * so a streamed source is never held in memory. Resolves to the number of items written; on the first failed
 * batch it stops reading, waits for the batches in flight and rejects with that error.
 */
export async function loadItemsIntoTable(options: LoadItemsOptions): Promise<number> {
  const concurrency = Math.max(1, options.concurrency ?? 8);
  const inFlight = new Set<Promise<void>>();
  let written = 0;
  let failed = false;
  let failure: unknown;

  const launch = (requests: WriteRequest[]) => {
    const task: Promise<void> = writeBatch(options, requests)
      .then(
        (count) => {
          written += count;
          options.onProgress?.(written);
        },
        (err: unknown) => {
          if (!failed) {
            failed = true;
            failure = err;
          }
        },
      )
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  };

  let batch: WriteRequest[] = [];
  const toAttributeMap = options.raw
    ? (item: unknown) => item as AttributeMap
    : (item: unknown) => marshall(item as Record<string, unknown>, { removeUndefinedValues: true });
  for await (const item of options.items as ItemSource<unknown>) {
    if (failed) break;
    batch.push({ PutRequest: { Item: toAttributeMap(item) } });
    if (batch.length === BATCH_SIZE) {
      launch(batch);
      batch = [];
      while (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
  }
  if (!failed && batch.length > 0) launch(batch);
  await Promise.all(inFlight);
  if (failed) throw failure;
  return written;
}
