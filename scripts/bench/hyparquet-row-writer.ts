/**
 * The project's former Parquet writer, kept for the bench's side-by-side comparison: rows are
 * buffered into columns and flushed one row group at a time through hyparquet-writer, with
 * dictionary encoding where it pays, statistics, and `longText` columns PLAIN without statistics.
 */
import type { ByteSink, ParquetColumn, ParquetColumnType } from '@catia/shared';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';

// hyparquet-writer's schema element shape (kept local: its types are declared in JS doc).
interface SchemaElement {
  name: string;
  type?: string;
  repetition_type?: 'REQUIRED' | 'OPTIONAL' | 'REPEATED';
  num_children?: number;
  converted_type?: string;
}

/** The Parquet schema (flat, with three-level LISTs) for a list of columns. */
export function parquetSchema(columns: readonly ParquetColumn[]): SchemaElement[] {
  const schema: SchemaElement[] = [{ name: 'root', num_children: columns.length }];
  for (const c of columns) {
    const repetition_type = c.required ? 'REQUIRED' : 'OPTIONAL';
    switch (c.type) {
      case 'string':
        schema.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type });
        break;
      case 'int32':
        schema.push({ name: c.name, type: 'INT32', repetition_type });
        break;
      case 'int64':
        schema.push({ name: c.name, type: 'INT64', repetition_type });
        break;
      case 'double':
        schema.push({ name: c.name, type: 'DOUBLE', repetition_type });
        break;
      case 'boolean':
        schema.push({ name: c.name, type: 'BOOLEAN', repetition_type });
        break;
      case 'date':
        schema.push({ name: c.name, type: 'INT32', converted_type: 'DATE', repetition_type });
        break;
      case 'string_list':
        schema.push({ name: c.name, repetition_type, num_children: 1, converted_type: 'LIST' });
        schema.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
        schema.push({ name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' });
        break;
    }
  }
  return schema;
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function convert(type: ParquetColumnType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  switch (type) {
    case 'date': {
      if (typeof v !== 'string' || !DATE_RE.test(v)) throw new TypeError(`not a YYYY-MM-DD date: ${typeof v}`);
      return new Date(`${v}T00:00:00Z`);
    }
    case 'int64':
      return typeof v === 'bigint' ? v : BigInt(v as number);
    default:
      return v;
  }
}

/** hyparquet-writer `Writer` that hands its buffer to a {@link ByteSink} after each row group. */
class SinkWriter extends ByteWriter {
  constructor(private readonly sink: ByteSink) {
    super(1 << 20);
  }
  async flush(): Promise<void> {
    if (this.index === 0) return;
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    await this.sink.write(chunk);
  }
  override async finish(): Promise<void> {
    await this.flush();
    await this.sink.end();
  }
}

/** Row-at-a-time Parquet writer over hyparquet-writer; `close()` must be awaited to complete the file. */
export class HyparquetRowWriter<Row extends Record<string, unknown>> {
  private readonly writer: ParquetWriter;
  private readonly byteWriter: SinkWriter;
  private buffers: unknown[][];
  private count = 0;
  rows = 0;

  constructor(
    private readonly columns: readonly ParquetColumn[],
    sink: ByteSink,
    private readonly rowGroupSize = 50_000,
  ) {
    this.byteWriter = new SinkWriter(sink);
    this.writer = new ParquetWriter({
      writer: this.byteWriter,
      schema: parquetSchema(columns) as never,
      createdBy: 'catia-analytics',
    });
    this.buffers = columns.map(() => []);
  }

  /** Add one row; throws TypeError (before buffering anything) if a value does not fit its column. */
  async write(row: Row): Promise<void> {
    const values = this.columns.map((c) => convert(c.type, row[c.name]));
    for (let i = 0; i < values.length; i++) (this.buffers[i] as unknown[]).push(values[i]);
    this.count++;
    this.rows++;
    if (this.count >= this.rowGroupSize) await this.flushGroup();
  }

  private async flushGroup(): Promise<void> {
    if (this.count === 0) return;
    const columnData = this.columns.map((c, i) => ({
      name: c.name,
      data: this.buffers[i] as unknown[],
      ...(c.longText ? { encoding: 'PLAIN', statistics: false } : {}),
    }));
    await this.writer.write({ columnData: columnData as never, rowGroupSize: this.count });
    await this.byteWriter.flush();
    this.buffers = this.columns.map(() => []);
    this.count = 0;
  }

  /** Flush the last row group and write the footer. An empty file still carries the full schema. */
  async close(): Promise<void> {
    await this.flushGroup();
    await this.writer.finish();
  }
}
