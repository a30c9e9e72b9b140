/**
 * The output rows of a tokens run, held compactly until they are written in order. The output is
 * sorted by (create_date, pk, sk) and the scan returns items in no order, so every row must be held
 * until the last one is known; what is held per row is its CSV line as UTF-8 bytes, appended to
 * large shared buffers (off the JS heap, no object per row), and its sort key as one flat string.
 * 100k rows take ≈ 30 MB of line bytes and ≈ 17 MB of heap (the old one-object-per-row form took
 * ≈ 60 MB of heap plus the bytes, and more garbage to collect while the table was scanned).
 */
import { csvField } from '@catia/shared';
import { CSV_COLUMNS, type TokenRow } from './conversation';

/** Size of each line buffer; a longer line gets a buffer of its own. */
const CHUNK_BYTES = 1 << 20;
/** Size of the byte chunks {@link RowStore.csvChunks} yields. */
const OUT_BYTES = 1 << 20;
/** Per row: chunk index, offset in the chunk, byte length, length of its create_date. */
const FIELDS = 4;

/** The CSV line of a row (RFC 4180 fields in {@link CSV_COLUMNS} order, CRLF end). */
export function csvLine(row: TokenRow): string {
  let line = '';
  for (let i = 0; i < CSV_COLUMNS.length; i++)
    line += (i ? ',' : '') + csvField(row[CSV_COLUMNS[i] as (typeof CSV_COLUMNS)[number]]);
  return `${line}\r\n`;
}

export class RowStore {
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;
  /** Sort keys `create_date NUL pk NUL sk`, one flat string per row. */
  private readonly keys: string[] = [];
  private where = new Uint32Array(FIELDS * 1024);

  /** Rows held. */
  get size(): number {
    return this.keys.length;
  }

  /** Hold one row. */
  add(row: TokenRow): void {
    const line = csvLine(row);
    // Worst case 3 UTF-8 bytes per UTF-16 unit; measure exactly only when that might not fit.
    if (this.used + line.length * 3 > this.chunk.length) {
      const bytes = Buffer.byteLength(line);
      if (this.used + bytes > this.chunk.length) {
        this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
        this.chunks.push(this.chunk);
        this.used = 0;
      }
    }
    const n = this.keys.length;
    if (FIELDS * (n + 1) > this.where.length) {
      const grown = new Uint32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    const written = this.chunk.write(line, this.used);
    const at = FIELDS * n;
    this.where[at] = this.chunks.length - 1;
    this.where[at + 1] = this.used;
    this.where[at + 2] = written;
    this.where[at + 3] = row.create_date.length;
    this.used += written;
    // `join` builds a flat string; a template literal would keep a tree of its parts alive.
    this.keys.push([row.create_date, row.pk, row.sk].join('\u0000'));
  }

  /** The `pk NUL sk` of every row held, as views into the sort keys (no copy of the text). */
  pkSkSet(): Set<string> {
    const set = new Set<string>();
    for (let i = 0; i < this.keys.length; i++)
      set.add((this.keys[i] as string).slice((this.where[FIELDS * i + 3] as number) + 1));
    return set;
  }

  /**
   * The CSV bytes: `header`, then every row sorted by (create_date, pk, sk) as strings; rows with
   * equal keys keep the order they were added in. Yields chunks of about 1 MB.
   */
  async *csvChunks(header: string): AsyncGenerator<Buffer> {
    const keys = this.keys;
    const order = new Uint32Array(keys.length);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => {
      const ka = keys[a] as string;
      const kb = keys[b] as string;
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    });
    yield Buffer.from(header, 'utf-8');
    let out = Buffer.allocUnsafe(OUT_BYTES);
    let used = 0;
    for (const i of order) {
      const at = FIELDS * i;
      const chunk = this.chunks[this.where[at] as number] as Buffer;
      const start = this.where[at + 1] as number;
      const bytes = this.where[at + 2] as number;
      if (used + bytes > out.length) {
        if (used) yield out.subarray(0, used);
        out = Buffer.allocUnsafe(Math.max(OUT_BYTES, bytes));
        used = 0;
      }
      used += chunk.copy(out, used, start, start + bytes);
    }
    if (used) yield out.subarray(0, used);
  }
}
