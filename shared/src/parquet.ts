/**
 * Streaming Parquet writer for the project's flat schemas (scalar columns and lists of strings).
 * Each row is encoded straight into one PLAIN page buffer per column; a page (data page v2,
 * about 1 MiB of values, SNAPPY-compressed by default) is finished as soon as it fills, and every
 * `rowGroupSize` rows the finished pages are handed to a {@link ByteSink} as one row group, so
 * memory holds one compressed row group, not the file. `close()` writes the footer (Thrift
 * compact protocol).
 *
 * Written here rather than taken from a library because no writer measured meets transform's
 * throughput (README, design decisions); the tests read its files back with DuckDB and hyparquet.
 */
import { isUtf8 } from 'node:buffer';
import { PassThrough } from 'node:stream';
import { setImmediate } from 'node:timers/promises';
import { epochDayOf } from './dates';
import { ByteBuffer, CompactWriter, LevelBuffer, T_BINARY, T_I32, T_STRUCT, writeLevels } from './parquet-encoding';
import { snappyCompressInto, snappyMaxLength } from './snappy';

/** Column kinds the project writes. `date` takes `YYYY-MM-DD` strings; `string_list` takes string arrays. */
export type ParquetColumnType = 'string' | 'int32' | 'int64' | 'double' | 'boolean' | 'date' | 'string_list';

export interface ParquetColumn {
  name: string;
  type: ParquetColumnType;
  /** Columns are OPTIONAL (nullable) unless `required` is set. */
  required?: boolean;
  /**
   * Long free text (e.g. whole conversations): written without min/max statistics, which cost
   * time on kilobyte values and never help a reader skip them (the null count is kept).
   */
  longText?: boolean;
}

/** Page compression: SNAPPY (the default) or none (about 8× larger files for transform). */
export type ParquetCodec = 'SNAPPY' | 'UNCOMPRESSED';

export interface ParquetWriterOptions {
  /** SNAPPY unless set. */
  codec?: ParquetCodec;
}

/** A sink for the bytes: resolves when it can take more. */
export interface ByteSink {
  write(chunk: Uint8Array): Promise<void>;
  end(): Promise<void>;
}

/** Streams bytes into a PassThrough (e.g. the body of an S3 `Upload`), honouring back-pressure. */
export function passThroughSink(): { stream: PassThrough; sink: ByteSink } {
  const stream = new PassThrough({ highWaterMark: 4 * 1024 * 1024 });
  const sink: ByteSink = {
    write: (chunk) =>
      new Promise<void>((resolve, reject) => {
        if (stream.destroyed) return reject(new Error('output stream closed'));
        if (stream.write(chunk)) resolve();
        else {
          const onDrain = () => {
            stream.off('close', onClose);
            resolve();
          };
          const onClose = () => {
            stream.off('drain', onDrain);
            reject(new Error('output stream closed'));
          };
          stream.once('drain', onDrain);
          stream.once('close', onClose);
        }
      }),
    end: () =>
      new Promise<void>((resolve) => {
        stream.end(resolve);
      }),
  };
  return { stream, sink };
}

// parquet.thrift enums
const TYPE = { BOOLEAN: 0, INT32: 1, INT64: 2, DOUBLE: 5, BYTE_ARRAY: 6 } as const;
const CONVERTED = { UTF8: 0, LIST: 3, DATE: 6 } as const;
const REPETITION = { REQUIRED: 0, OPTIONAL: 1, REPEATED: 2 } as const;
const CODEC: Record<ParquetCodec, number> = { UNCOMPRESSED: 0, SNAPPY: 1 };
const PLAIN = 0;
const DATA_PAGE_V2 = 3;

/** Value bytes after which a column's page is closed (at the next row boundary). */
const PAGE_SIZE = 1 << 20;
/** Byte-array statistics are truncated to this many bytes, as hyparquet-writer did (and parquet-mr). */
const STATS_TRUNCATE = 16;

// Leaf kinds, as small integers for one monomorphic switch per value.
const K_STRING = 0;
const K_INT32 = 1;
const K_INT64 = 2;
const K_DOUBLE = 3;
const K_BOOLEAN = 4;
const K_DATE = 5;
const K_LIST = 6;
const KINDS: Record<ParquetColumnType, number> = {
  string: K_STRING,
  int32: K_INT32,
  int64: K_INT64,
  double: K_DOUBLE,
  boolean: K_BOOLEAN,
  date: K_DATE,
  string_list: K_LIST,
};
const PHYSICAL = [TYPE.BYTE_ARRAY, TYPE.INT32, TYPE.INT64, TYPE.DOUBLE, TYPE.BOOLEAN, TYPE.INT32, TYPE.BYTE_ARRAY];

/** Compresses and frames pages; one per writer, its scratch buffers reused for every page. */
class PageEncoder {
  /**
   * Encoded levels of the page being written: 64 KiB holds transform's list pages (at most ~16 KiB of
   * levels), so it does not grow in a run; its first growth, in the middle of the measured bench
   * pass, deoptimized the level encoder.
   */
  private readonly levels = new ByteBuffer(1 << 16);
  private readonly header = new ByteBuffer(64);
  /**
   * Snappy output of the page being written, sized once for a full page: growing it page by page
   * would touch fresh memory each time (slow on VMs where first-touch page faults are expensive).
   */
  private compressed: Uint8Array;

  constructor(readonly codec: ParquetCodec) {
    this.compressed = new Uint8Array(codec === 'SNAPPY' ? snappyMaxLength(PAGE_SIZE + (1 << 16)) : 0);
  }

  /** The page's bytes (header, levels, values) and its uncompressed size (header included). */
  encode(leaf: Leaf): { page: Uint8Array; uncompressed: number } {
    const levels = this.levels;
    levels.length = 0;
    const repLength = leaf.reps ? writeLevels(leaf.reps.levels, 0, leaf.reps.length, 1, levels) : 0;
    const defLength = leaf.defs ? writeLevels(leaf.defs.levels, 0, leaf.defs.length, bitWidth(leaf.maxDef), levels) : 0;
    let data: Uint8Array = leaf.values.bytes.subarray(0, leaf.values.length);
    if (leaf.kind === K_BOOLEAN) data = packBooleans(data);
    let stored = data;
    if (this.codec === 'SNAPPY') {
      const need = snappyMaxLength(data.length);
      if (this.compressed.length < need) this.compressed = new Uint8Array(Math.max(need, this.compressed.length * 2));
      stored = this.compressed.subarray(0, snappyCompressInto(data, this.compressed, 0));
    }
    const h = this.header;
    h.length = 0;
    const header = new CompactWriter(h)
      .i32(1, DATA_PAGE_V2)
      .i32(2, levels.length + data.length)
      .i32(3, levels.length + stored.length)
      .struct(8)
      .i32(1, leaf.pageLevels)
      .i32(2, leaf.pageNulls)
      .i32(3, leaf.pageRows)
      .i32(4, PLAIN)
      .i32(5, defLength)
      .i32(6, repLength);
    if (this.codec === 'UNCOMPRESSED') header.bool(7, false);
    header.end().end();
    // A new array for every page: the sink keeps what it is handed (e.g. S3 upload parts).
    const page = Buffer.allocUnsafe(h.length + levels.length + stored.length);
    page.set(h.bytes.subarray(0, h.length));
    page.set(levels.bytes.subarray(0, levels.length), h.length);
    page.set(stored, h.length + levels.length);
    return { page, uncompressed: h.length + levels.length + data.length };
  }
}

/**
 * One leaf column: its schema facts, the page being filled (PLAIN values and levels, reused from
 * page to page), the finished pages of the current row group and its statistics.
 */
class Leaf {
  readonly kind: number;
  readonly name: string;
  readonly path: string[];
  readonly physical: number;
  readonly maxDef: number;
  readonly maxRep: number;
  readonly minMax: boolean;
  readonly required: boolean;
  /** PLAIN values of the page being filled; sized for a whole page so it rarely grows. */
  readonly values = new ByteBuffer(PAGE_SIZE + (1 << 16));
  readonly defs: LevelBuffer | undefined;
  readonly reps: LevelBuffer | undefined;
  pageLevels = 0;
  pageNulls = 0;
  pageRows = 0;
  /** The row group's finished pages and totals. */
  pages: Uint8Array[] = [];
  levels = 0;
  nulls = 0;
  uncompressed = 0;
  compressed = 0;
  // min/max: numbers (or bigints) for numeric kinds; for strings, byte ranges of `minBytes`/`maxBytes`,
  // which are the page buffer itself until the page is written, then copies.
  min: number | bigint | undefined;
  max: number | bigint | undefined;
  minBytes: Uint8Array | undefined;
  minAt = 0;
  minLen = 0;
  maxBytes: Uint8Array | undefined;
  maxAt = 0;
  maxLen = 0;

  constructor(
    column: ParquetColumn,
    private readonly encoder: PageEncoder,
  ) {
    this.kind = KINDS[column.type];
    this.name = column.name;
    this.physical = PHYSICAL[this.kind]!;
    this.required = !!column.required;
    const optional = !column.required;
    if (this.kind === K_LIST) {
      this.path = [column.name, 'list', 'element'];
      this.maxDef = (optional ? 1 : 0) + 2;
      this.maxRep = 1;
    } else {
      this.path = [column.name];
      this.maxDef = optional ? 1 : 0;
      this.maxRep = 0;
    }
    this.defs = this.maxDef ? new LevelBuffer() : undefined;
    this.reps = this.maxRep ? new LevelBuffer() : undefined;
    this.minMax = !column.longText;
  }

  /** Called after each row: writes the page once it holds PAGE_SIZE value bytes. */
  endRow(): void {
    this.pageRows++;
    if (this.values.length >= PAGE_SIZE) this.closePage();
  }

  /** Write the page being filled (if it has rows) and start an empty one. */
  closePage(): void {
    if (this.pageRows === 0) return;
    const { page, uncompressed } = this.encoder.encode(this);
    this.pages.push(page);
    this.uncompressed += uncompressed;
    this.compressed += page.length;
    this.levels += this.pageLevels;
    this.nulls += this.pageNulls;
    // The page buffer is about to be reused: keep copies of the min/max that live in it.
    if (this.minBytes === this.values.bytes) {
      this.minBytes = copyOf(this.values.bytes.subarray(this.minAt, this.minAt + this.minLen));
      this.minAt = 0;
    }
    if (this.maxBytes === this.values.bytes) {
      this.maxBytes = copyOf(this.values.bytes.subarray(this.maxAt, this.maxAt + this.maxLen));
      this.maxAt = 0;
    }
    this.values.length = 0;
    if (this.defs) this.defs.length = 0;
    if (this.reps) this.reps.length = 0;
    this.pageLevels = 0;
    this.pageNulls = 0;
    this.pageRows = 0;
  }

  /** Start the next row group's column chunk. */
  resetChunk(): void {
    this.pages = [];
    this.levels = 0;
    this.nulls = 0;
    this.uncompressed = 0;
    this.compressed = 0;
    this.min = undefined;
    this.max = undefined;
    this.minBytes = undefined;
    this.maxBytes = undefined;
  }

  appendNull(def: number): void {
    this.defs?.push(def);
    this.pageLevels++;
    this.pageNulls++;
  }

  /** UTF-8 bytes (already checked) as PLAIN BYTE_ARRAY, as {@link appendString} writes a string. */
  appendUtf8(src: Uint8Array): void {
    const buf = this.values;
    const written = src.length;
    buf.reserve(4 + written);
    const at = buf.length + 4;
    const bytes = buf.bytes;
    bytes.set(src, at);
    buf.view.setUint32(at - 4, written, true);
    buf.length = at + written;
    this.pageLevels++;
    if (!this.minMax) return;
    this.noteMinMax(bytes, at, written);
  }

  /** A string's UTF-8 bytes as PLAIN BYTE_ARRAY (4-byte length, then the bytes). */
  appendString(s: string): void {
    const buf = this.values;
    const n = s.length;
    buf.reserve(4 + n * 3);
    const at = buf.length + 4;
    const bytes = buf.bytes;
    // V8's own UTF-8 writer for every string: in the writer, on transform's rows, it measured faster
    // than a JavaScript encoder for short strings, cold and warm (README, design decisions).
    const written = bytes.write(s, at);
    buf.view.setUint32(at - 4, written, true);
    buf.length = at + written;
    this.pageLevels++;
    if (!this.minMax) return;
    this.noteMinMax(bytes, at, written);
  }

  private noteMinMax(bytes: Uint8Array, at: number, written: number): void {
    if (this.minBytes === undefined || compareBytes(bytes, at, written, this.minBytes, this.minAt, this.minLen) < 0) {
      this.minBytes = bytes;
      this.minAt = at;
      this.minLen = written;
    }
    if (this.maxBytes === undefined || compareBytes(bytes, at, written, this.maxBytes, this.maxAt, this.maxLen) > 0) {
      this.maxBytes = bytes;
      this.maxAt = at;
      this.maxLen = written;
    }
  }

  appendInt32(v: number): void {
    const buf = this.values;
    buf.reserve(4);
    buf.view.setInt32(buf.length, v, true);
    buf.length += 4;
    this.pageLevels++;
    if (this.min === undefined || v < this.min) this.min = v;
    if (this.max === undefined || v > this.max) this.max = v;
  }

  appendInt64(v: number | bigint): void {
    const buf = this.values;
    buf.reserve(8);
    if (typeof v === 'bigint') buf.view.setBigInt64(buf.length, v, true);
    else {
      const high = Math.floor(v / 4294967296);
      buf.view.setUint32(buf.length, v - high * 4294967296, true);
      buf.view.setInt32(buf.length + 4, high, true);
    }
    buf.length += 8;
    this.pageLevels++;
    if (this.min === undefined || v < this.min) this.min = v;
    if (this.max === undefined || v > this.max) this.max = v;
  }

  appendDouble(v: number): void {
    const buf = this.values;
    buf.reserve(8);
    buf.view.setFloat64(buf.length, v, true);
    buf.length += 8;
    this.pageLevels++;
    if (Number.isNaN(v)) return; // NaN is left out of min/max, as the format asks
    if (this.min === undefined || v < this.min) this.min = v;
    if (this.max === undefined || v > this.max) this.max = v;
  }

  /** Booleans are kept one per byte until the page is written (bit-packed then). */
  appendBoolean(v: boolean): void {
    this.values.byte(v ? 1 : 0);
    this.pageLevels++;
    const n = v ? 1 : 0;
    if (this.min === undefined || n < this.min) this.min = n;
    if (this.max === undefined || n > this.max) this.max = n;
  }
}

/** Unsigned lexicographic order of two byte ranges (the order of UTF-8 statistics). */
function compareBytes(x: Uint8Array, a: number, aLen: number, y: Uint8Array, b: number, bLen: number): number {
  const n = Math.min(aLen, bLen);
  for (let i = 0; i < n; i++) {
    const d = x[a + i]! - y[b + i]!;
    if (d !== 0) return d;
  }
  return aLen - bLen;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const KIND_NAMES = ['a string', 'an int32', 'an int64', 'a number', 'a boolean', 'a date', 'a list'];

/** The value as its column stores it, or a TypeError naming the column (never the value: it may be personal data). */
function checkValue(leaf: Leaf, v: unknown): unknown {
  if (v === null || v === undefined) {
    if (leaf.required) throw new TypeError(`column ${leaf.name} is required`);
    return null;
  }
  switch (leaf.kind) {
    case K_STRING:
      if (typeof v === 'string') return v;
      // Its UTF-8 bytes, written as they are; bytes that are not UTF-8 are decoded as a string
      // would have been (U+FFFD for each bad sequence), so the file always holds valid UTF-8.
      if (v instanceof Uint8Array) return isUtf8(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length).toString();
      break;
    case K_INT32:
      if (typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647) return v;
      break;
    case K_INT64:
      if (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 63) && v < 2 ** 63) return v;
      if (typeof v === 'bigint' && v >= INT64_MIN && v <= INT64_MAX) return v;
      break;
    case K_DOUBLE:
      if (typeof v === 'number') return v;
      break;
    case K_BOOLEAN:
      if (typeof v === 'boolean') return v;
      break;
    case K_DATE:
      if (typeof v === 'string') {
        const day = epochDayOf(v);
        if (day !== undefined) return day;
      }
      throw new TypeError(`column ${leaf.name}: not a YYYY-MM-DD date (${typeof v})`);
    case K_LIST:
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          if (typeof v[i] !== 'string') throw new TypeError(`column ${leaf.name}: not an array of strings`);
        }
        return v;
      }
      break;
  }
  throw new TypeError(`column ${leaf.name}: not ${KIND_NAMES[leaf.kind]} (${typeof v})`);
}

const MAGIC = new Uint8Array([0x50, 0x41, 0x52, 0x31]); // PAR1
const RESOLVED: Promise<void> = Promise.resolve();

interface ChunkMeta {
  leaf: Leaf;
  offset: number;
  values: number;
  uncompressed: number;
  compressed: number;
  nulls: number;
  pages: number;
  min?: Uint8Array;
  max?: Uint8Array;
  minExact: boolean;
  maxExact: boolean;
}

interface RowGroupMeta {
  offset: number;
  rows: number;
  chunks: ChunkMeta[];
}

/** Row-at-a-time Parquet writer; `close()` must be awaited to complete the file. */
export class ParquetRowWriter<Row extends Record<string, unknown>> {
  private readonly leaves: Leaf[];
  private readonly codec: ParquetCodec;
  private readonly scratch: unknown[];
  private readonly groups: RowGroupMeta[] = [];
  /** Bytes handed to the sink so far (the next offset in the file). */
  private offset = 0;
  private count = 0;
  rows = 0;

  constructor(
    private readonly columns: readonly ParquetColumn[],
    private readonly sink: ByteSink,
    private readonly rowGroupSize = 50_000,
    options: ParquetWriterOptions = {},
  ) {
    this.codec = options.codec ?? 'SNAPPY';
    const encoder = new PageEncoder(this.codec);
    this.leaves = columns.map((c) => new Leaf(c, encoder));
    this.scratch = columns.map(() => null);
  }

  /**
   * Add one row; rejects with a TypeError (before buffering anything) if a value does not fit its
   * column. Not an `async` function: most rows only buffer values, and for those it returns one
   * shared resolved promise instead of allocating a new one per row (at transform's row rates the
   * young-generation garbage of a promise per row was a measurable part of the run).
   */
  write(row: Row): Promise<void> {
    try {
      this.append(row);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.count >= this.rowGroupSize ? this.flushGroup() : RESOLVED;
  }

  private append(row: Row): void {
    const leaves = this.leaves;
    const values = this.scratch;
    for (let i = 0; i < leaves.length; i++) {
      const leaf = leaves[i]!;
      values[i] = checkValue(leaf, row[leaf.name]);
    }
    for (let i = 0; i < leaves.length; i++) appendValue(leaves[i]!, values[i]);
    this.count++;
    this.rows++;
  }

  /** Write the row group: each column chunk's pages in column order. */
  private async flushGroup(): Promise<void> {
    if (this.count === 0) return;
    if (this.offset === 0) await this.emit(MAGIC);
    const group: RowGroupMeta = { offset: this.offset, rows: this.count, chunks: [] };
    for (const leaf of this.leaves) {
      leaf.closePage();
      const meta: ChunkMeta = {
        leaf,
        offset: this.offset,
        values: leaf.levels,
        uncompressed: leaf.uncompressed,
        compressed: leaf.compressed,
        nulls: leaf.nulls,
        pages: leaf.pages.length,
        minExact: true,
        maxExact: true,
      };
      if (leaf.minMax) statistics(leaf, meta);
      group.chunks.push(meta);
      const pages = leaf.pages;
      leaf.resetChunk();
      for (const page of pages) await this.emit(page);
    }
    this.groups.push(group);
    this.count = 0;
  }

  /**
   * Hand bytes to the sink, then let the event loop turn so its reader takes them one by one
   * (a stream reader that finds several chunks waiting concatenates them into a new buffer).
   */
  private async emit(bytes: Uint8Array): Promise<void> {
    this.offset += bytes.length;
    await this.sink.write(bytes);
    await setImmediate();
  }

  /** Flush the last row group and write the footer. An empty file still carries the full schema. */
  async close(): Promise<void> {
    await this.flushGroup();
    const out = new ByteBuffer(1 << 14);
    if (this.offset === 0) out.append(MAGIC);
    const start = out.length;
    this.writeFooter(new CompactWriter(out));
    out.uint32(out.length - start);
    out.append(MAGIC);
    await this.emit(out.copy());
    await this.sink.end();
  }

  private writeFooter(w: CompactWriter): void {
    const schemaLength = 1 + this.columns.reduce((n, c) => n + (c.type === 'string_list' ? 3 : 1), 0);
    w.open().i32(1, 2).list(2, T_STRUCT, schemaLength);
    w.open().string(4, 'root').i32(5, this.columns.length).end();
    for (let i = 0; i < this.columns.length; i++) {
      const c = this.columns[i]!;
      const repetition = c.required ? REPETITION.REQUIRED : REPETITION.OPTIONAL;
      if (c.type === 'string_list') {
        w.open().i32(3, repetition).string(4, c.name).i32(5, 1).i32(6, CONVERTED.LIST).end();
        w.open().i32(3, REPETITION.REPEATED).string(4, 'list').i32(5, 1).end();
        w.open().i32(1, TYPE.BYTE_ARRAY).i32(3, REPETITION.OPTIONAL).string(4, 'element').i32(6, CONVERTED.UTF8).end();
        continue;
      }
      w.open().i32(1, this.leaves[i]!.physical).i32(3, repetition).string(4, c.name);
      if (c.type === 'string') w.i32(6, CONVERTED.UTF8);
      if (c.type === 'date') w.i32(6, CONVERTED.DATE);
      w.end();
    }
    w.i64(3, this.rows);
    w.list(4, T_STRUCT, this.groups.length);
    for (const g of this.groups) {
      w.open().list(1, T_STRUCT, g.chunks.length);
      let uncompressed = 0;
      let compressed = 0;
      for (const c of g.chunks) {
        uncompressed += c.uncompressed;
        compressed += c.compressed;
        w.open().i64(2, c.offset).struct(3);
        w.i32(1, c.leaf.physical).list(2, T_I32, 1).listI32(PLAIN);
        w.list(3, T_BINARY, c.leaf.path.length);
        for (const p of c.leaf.path) w.listBinary(Buffer.from(p, 'utf8'));
        w.i32(4, CODEC[this.codec]).i64(5, c.values).i64(6, c.uncompressed).i64(7, c.compressed).i64(9, c.offset);
        w.struct(12).i64(3, c.nulls);
        if (c.max && c.min) {
          w.binary(5, c.max).binary(6, c.min);
          if (!c.maxExact) w.bool(7, false);
          if (!c.minExact) w.bool(8, false);
        }
        w.end();
        w.list(13, T_STRUCT, 1).open().i32(1, DATA_PAGE_V2).i32(2, PLAIN).i32(3, c.pages).end();
        w.end().end();
      }
      w.i64(2, uncompressed).i64(3, g.rows).i64(5, g.offset).i64(6, compressed).end();
    }
    w.string(6, 'catia-analytics');
    // column_orders: TYPE_DEFINED_ORDER for every leaf, so readers trust the byte-array min/max.
    w.list(7, T_STRUCT, this.leaves.length);
    for (let i = 0; i < this.leaves.length; i++) w.open().struct(1).end().end();
    w.end();
  }
}

/** min/max of the chunk in PLAIN encoding; byte arrays truncated to STATS_TRUNCATE bytes. */
function statistics(leaf: Leaf, meta: ChunkMeta): void {
  if (leaf.physical === TYPE.BYTE_ARRAY) {
    if (!leaf.minBytes || !leaf.maxBytes) return;
    const min = leaf.minBytes.subarray(leaf.minAt, leaf.minAt + leaf.minLen);
    const max = leaf.maxBytes.subarray(leaf.maxAt, leaf.maxAt + leaf.maxLen);
    meta.min = truncateMin(min);
    meta.max = truncateMax(max);
    meta.minExact = meta.min.length === min.length;
    meta.maxExact = meta.max.length === max.length;
    return;
  }
  if (leaf.min === undefined || leaf.max === undefined) return;
  // Signed zeros: the format asks for -0 as a min and +0 as a max.
  meta.min = plainBytes(leaf.physical, leaf.min === 0 ? -0 : leaf.min);
  meta.max = plainBytes(leaf.physical, leaf.max === 0 ? 0 : leaf.max);
}

function appendValue(leaf: Leaf, v: unknown): void {
  if (v === null) {
    leaf.appendNull(0);
    leaf.reps?.push(0);
  } else if (leaf.kind === K_LIST) {
    appendList(leaf, v as string[]);
  } else {
    leaf.defs?.push(leaf.maxDef);
    appendScalar(leaf, v);
  }
  leaf.endRow();
}

/** A present list: one level per element, or one level one below "has elements" for an empty list. */
function appendList(leaf: Leaf, list: string[]): void {
  const defs = leaf.defs!;
  const reps = leaf.reps!;
  if (list.length === 0) {
    leaf.appendNull(leaf.maxDef - 2);
    reps.push(0);
    return;
  }
  for (let i = 0; i < list.length; i++) {
    defs.push(leaf.maxDef);
    reps.push(i === 0 ? 0 : 1);
    leaf.appendString(list[i]!);
  }
}

function appendScalar(leaf: Leaf, v: unknown): void {
  switch (leaf.kind) {
    case K_STRING:
      if (typeof v === 'string') leaf.appendString(v);
      else leaf.appendUtf8(v as Uint8Array);
      break;
    case K_INT32:
    case K_DATE:
      leaf.appendInt32(v as number);
      break;
    case K_INT64:
      leaf.appendInt64(v as number | bigint);
      break;
    case K_DOUBLE:
      leaf.appendDouble(v as number);
      break;
    case K_BOOLEAN:
      leaf.appendBoolean(v as boolean);
      break;
  }
}

function bitWidth(maxLevel: number): number {
  return 32 - Math.clz32(maxLevel);
}

/** PLAIN booleans: one bit each, least significant bit first. */
function packBooleans(ones: Uint8Array): Uint8Array {
  const packed = new Uint8Array(Math.ceil(ones.length / 8));
  for (let i = 0; i < ones.length; i++) if (ones[i]) packed[i >> 3]! |= 1 << (i & 7);
  return packed;
}

/** A statistic value in PLAIN encoding. */
function plainBytes(physical: number, v: number | bigint): Uint8Array {
  const bytes = new Uint8Array(physical === TYPE.INT32 ? 4 : physical === TYPE.BOOLEAN ? 1 : 8);
  const view = new DataView(bytes.buffer);
  if (physical === TYPE.INT32) view.setInt32(0, Number(v), true);
  else if (physical === TYPE.INT64) view.setBigInt64(0, BigInt(v), true);
  else if (physical === TYPE.DOUBLE) view.setFloat64(0, Number(v), true);
  else bytes[0] = Number(v);
  return bytes;
}

/**
 * A copy (`Buffer#slice` would return a view of memory that is about to be reused). A Buffer, like
 * the page buffer: a min/max that changed from the page buffer to a plain Uint8Array deoptimized
 * the string statistics code in the middle of the measured pass.
 */
function copyOf(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes);
}

/** A lower bound of at most STATS_TRUNCATE bytes: the longest UTF-8 prefix that fits. */
function truncateMin(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= STATS_TRUNCATE) return copyOf(bytes);
  let end = STATS_TRUNCATE;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  return copyOf(bytes.subarray(0, end));
}

/**
 * An upper bound of at most STATS_TRUNCATE bytes: a UTF-8 prefix whose last code point is
 * incremented (skipping surrogates); the value itself when no such bound exists.
 */
function truncateMax(bytes: Uint8Array): Uint8Array {
  if (bytes.length <= STATS_TRUNCATE) return copyOf(bytes);
  let end = STATS_TRUNCATE;
  while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
  let prefix: string;
  try {
    prefix = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(0, end));
  } catch {
    return copyOf(bytes);
  }
  const codePoints = Array.from(prefix, (c) => c.codePointAt(0) ?? 0);
  for (let i = codePoints.length - 1; i >= 0; i--) {
    end--;
    while (end > 0 && (bytes[end]! & 0xc0) === 0x80) end--;
    const code = codePoints[i]!;
    if (code === 0x10ffff) continue;
    const next = Buffer.from(String.fromCodePoint(code === 0xd7ff ? 0xe000 : code + 1), 'utf8');
    if (end + next.length > STATS_TRUNCATE) continue;
    const rounded = new Uint8Array(end + next.length);
    rounded.set(bytes.subarray(0, end));
    rounded.set(next, end);
    return rounded;
  }
  return copyOf(bytes);
}
