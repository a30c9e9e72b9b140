/**
 * The Parquet writer comparison on the same rows and the same schema: the project's own writer
 * (`ParquetRowWriter`, SNAPPY and uncompressed), hyparquet-writer (the former choice, streaming row
 * groups), parquetjs-lite (named in the original design) and DuckDB's own `COPY … (FORMAT parquet)`.
 */
import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ParquetCodec, type ParquetColumn, ParquetRowWriter, passThroughSink } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { HyparquetRowWriter } from './hyparquet-row-writer';
import { StreamedStore } from './streamed-store';

export type BenchRow = Record<string, string | number | string[] | Uint8Array | null>;

/**
 * The project's writer, as transform uses it: 20k-row groups, streamed into a store that takes
 * the file as an S3 upload does, chunk by chunk, keeping only its size ({@link StreamedStore}).
 * Keeping the file in memory, or joining it, is the store's work, not the writer's (transform's
 * S3 upload, which joins chunks into 5 MiB parts, is measured end to end in transform-e2e).
 */
export async function writeWithOwnWriter(
  columns: readonly ParquetColumn[],
  rows: Iterable<BenchRow>,
  codec: ParquetCodec = 'SNAPPY',
): Promise<number> {
  const store = new StreamedStore();
  const { stream, sink } = passThroughSink();
  const done = store.write('data.parquet', stream);
  const w = new ParquetRowWriter(columns, sink, 20_000, { codec });
  for (const r of rows) await w.write(r);
  await w.close();
  await done;
  return store.sizes.get('data.parquet') ?? 0;
}

/** The first `count` rows of `rows` over and over, as one input (a production-sized file from the bench's rows). */
export function* cycled(rows: readonly BenchRow[], count: number): Generator<BenchRow> {
  if (rows.length === 0) return;
  for (let i = 0; i < count; i++) yield rows[i % rows.length]!;
}

export async function writeWithHyparquet(columns: readonly ParquetColumn[], rows: BenchRow[]): Promise<number> {
  const store = new StreamedStore();
  const { stream, sink } = passThroughSink();
  const done = store.write('data.parquet', stream);
  const w = new HyparquetRowWriter(columns, sink, 20_000);
  for (const r of rows) await w.write(r);
  await w.close();
  await done;
  return store.sizes.get('data.parquet') ?? 0;
}

const LITE_TYPES: Record<ParquetColumn['type'], Record<string, unknown>> = {
  string: { type: 'UTF8', optional: true },
  int32: { type: 'INT32', optional: true },
  int64: { type: 'INT64', optional: true },
  double: { type: 'DOUBLE', optional: true },
  boolean: { type: 'BOOLEAN', optional: true },
  date: { type: 'DATE', optional: true },
  string_list: { type: 'UTF8', repeated: true },
};

export async function writeWithParquetjsLite(columns: readonly ParquetColumn[], rows: BenchRow[]): Promise<number> {
  // parquetjs-lite is CommonJS without types.
  const lite = require('parquetjs-lite') as {
    ParquetSchema: new (s: Record<string, unknown>) => unknown;
    ParquetWriter: {
      openFile(
        schema: unknown,
        path: string,
      ): Promise<{ appendRow(r: unknown): Promise<void>; close(): Promise<void> }>;
    };
  };
  const schema = new lite.ParquetSchema(Object.fromEntries(columns.map((c) => [c.name, LITE_TYPES[c.type]])));
  const dir = mkdtempSync(join(tmpdir(), 'bench-lite-'));
  const path = join(dir, 'data.parquet');
  const w = await lite.ParquetWriter.openFile(schema, path);
  for (const r of rows) {
    const row: Record<string, unknown> = {};
    for (const c of columns) {
      const v = r[c.name];
      if (v === null || v === undefined) continue;
      row[c.name] = c.type === 'date' ? new Date(`${v}T00:00:00Z`) : v;
    }
    await w.appendRow(row);
  }
  await w.close();
  const size = statSync(path).size;
  rmSync(dir, { recursive: true, force: true });
  return size;
}

const DUCK_TYPES: Record<ParquetColumn['type'], string> = {
  string: 'VARCHAR',
  int32: 'INTEGER',
  int64: 'BIGINT',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  date: 'DATE',
  string_list: 'VARCHAR[]',
};

/** Loads the rows into DuckDB (not timed), then returns a function that times only the COPY. */
export async function prepareDuckDbCopy(columns: readonly ParquetColumn[], rows: BenchRow[]) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-duck-'));
  const jsonl = join(dir, 'rows.jsonl');
  // Written in batches: 330k rows joined into one string exceed V8's string length limit.
  const fd = openSync(jsonl, 'w');
  for (let i = 0; i < rows.length; i += 1000) {
    const batch = rows.slice(i, i + 1000).map((r) => JSON.stringify(r));
    writeSync(fd, `${batch.join('\n')}\n`);
  }
  closeSync(fd);
  const db = await DuckDbEngine.create(async (l) => l);
  const cols = columns.map((c) => `'${c.name}': '${DUCK_TYPES[c.type]}'`).join(', ');
  await db.execute(
    `CREATE TABLE t AS SELECT * FROM read_json('${jsonl}', format = 'newline_delimited', columns = {${cols}})`,
  );
  return {
    copy: async (): Promise<number> => {
      const out = join(dir, 'data.parquet');
      await db.execute(`COPY t TO '${out}' (FORMAT parquet)`);
      return statSync(out).size;
    },
    close: () => {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
