/**
 * The output rows of a tokens run, held compactly until they are written in order. The output is
 * sorted by (create_date, pk, sk) and the scan returns items in no order, so every row is held
 * until the last one is known. Per row, its sort key and its CSV line are appended as UTF-8 bytes
 * to shared 1 MB buffers, located by six integers in a typed array: no JS object or string per row.
 * Off the JS heap they cost their bytes once; on it, a live MB also raised the heap limit V8 grew
 * to while the table was scanned (≈ 3–4× live with the default heap size). Rows that arrive
 * already in order (the archival CSV) are merged in while writing instead of being held.
 */
import { CatiaError, csvField } from '@catia/shared';
import { CSV_COLUMNS, type TokenRow } from './conversation';

/** Size of each byte buffer; a longer row gets a buffer of its own. */
const CHUNK_BYTES = 1 << 20;
/** Size of the byte chunks {@link RowStore.csvChunks} yields. */
const OUT_BYTES = 1 << 20;
/**
 * Per row: chunk index, offset in the chunk, bytes of the sort key, bytes of the CSV line, bytes
 * of create_date, and 1 when the key holds a surrogate (see {@link RowStore.add}).
 */
const FIELDS = 6;
/**
 * Without surrogates every UTF-16 unit is its code point and UTF-8 bytes sort in code-point order,
 * so bytes and strings sort alike; with one, they can differ (U+FF21 vs U+1F600), and a lone
 * surrogate does not survive UTF-8 at all.
 */
const HAS_SURROGATE = /[\uD800-\uDFFF]/;

/** The CSV line of a row (RFC 4180 fields in {@link CSV_COLUMNS} order, CRLF end). */
export function csvLine(row: TokenRow): string {
  let line = '';
  for (let i = 0; i < CSV_COLUMNS.length; i++)
    line += (i ? ',' : '') + csvField(row[CSV_COLUMNS[i] as (typeof CSV_COLUMNS)[number]]);
  return `${line}\r\n`;
}

/** Thrown by {@link RowStore.csvChunks} when the rows given to merge in are not in key order. */
export class MergeOrderError extends CatiaError {
  constructor() {
    super('rows to merge are not sorted by (create_date, pk, sk)');
    this.name = 'MergeOrderError';
  }
}

const sortKey = (row: TokenRow) => `${row.create_date}\u0000${row.pk}\u0000${row.sk}`;

/** FNV-1a over `bytes[start, end)`. */
function hashBytes(bytes: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  return h >>> 0;
}

/** Output chunks of about {@link OUT_BYTES}: `put…` return a full chunk to yield, if any. */
class OutChunks {
  private out = Buffer.allocUnsafe(OUT_BYTES);
  private used = 0;

  private room(bytes: number): Buffer | undefined {
    if (this.used + bytes <= this.out.length) return undefined;
    const full = this.used ? this.out.subarray(0, this.used) : undefined;
    this.out = Buffer.allocUnsafe(Math.max(OUT_BYTES, bytes));
    this.used = 0;
    return full;
  }

  putBytes(from: Buffer, start: number, end: number): Buffer | undefined {
    const full = this.room(end - start);
    this.used += from.copy(this.out, this.used, start, end);
    return full;
  }

  putString(text: string): Buffer | undefined {
    const full = this.room(text.length * 3 <= OUT_BYTES ? text.length * 3 : Buffer.byteLength(text));
    this.used += this.out.write(text, this.used);
    return full;
  }

  rest(): Buffer | undefined {
    return this.used ? this.out.subarray(0, this.used) : undefined;
  }
}

export class RowStore {
  private readonly chunks: Buffer[] = [];
  private chunk: Buffer = Buffer.alloc(0);
  private used = 0;
  private count = 0;
  private where = new Uint32Array(FIELDS * 1024);
  /** Exact key strings of the rare rows whose key bytes cannot be compared as bytes. */
  private readonly exact = new Map<number, { key: string; pkSk: string }>();

  /** Rows held. */
  get size(): number {
    return this.count;
  }

  /**
   * Hold one row: its sort key `create_date NUL pk NUL sk` and its CSV line, both as UTF-8 bytes.
   * For keys without surrogates, comparing the UTF-8 bytes gives exactly the order of comparing
   * the strings; a key with one is also kept as a string and compared as one.
   */
  add(row: TokenRow): void {
    const key = sortKey(row);
    const line = csvLine(row);
    // Worst case 3 UTF-8 bytes per UTF-16 unit; measure exactly only when that might not fit.
    if (this.used + (key.length + line.length) * 3 > this.chunk.length) {
      const bytes = Buffer.byteLength(key) + Buffer.byteLength(line);
      if (this.used + bytes > this.chunk.length) {
        this.chunk = Buffer.allocUnsafeSlow(Math.max(CHUNK_BYTES, bytes));
        this.chunks.push(this.chunk);
        this.used = 0;
      }
    }
    const n = this.count++;
    if (FIELDS * (n + 1) > this.where.length) {
      const grown = new Uint32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    const at = FIELDS * n;
    const w = this.where;
    w[at] = this.chunks.length - 1;
    w[at + 1] = this.used;
    const keyBytes = this.chunk.write(key, this.used);
    const lineBytes = this.chunk.write(line, this.used + keyBytes);
    w[at + 2] = keyBytes;
    w[at + 3] = lineBytes;
    w[at + 4] = Buffer.byteLength(row.create_date);
    this.used += keyBytes + lineBytes;
    if (HAS_SURROGATE.test(key)) {
      w[at + 5] = 1;
      const flat = [row.create_date, row.pk, row.sk].join('\u0000');
      this.exact.set(n, { key: flat, pkSk: flat.slice(row.create_date.length + 1) });
    } else w[at + 5] = 0;
  }

  /**
   * A test of whether a (pk, sk) is among the rows held now: an open-addressing table of row
   * numbers by a hash of the key bytes, each hit checked against the bytes (≈ 8 bytes per row,
   * against ≈ 140 for a Set of strings). Keys with surrogates are checked as strings.
   */
  keyLookup(): (pk: string, sk: string) => boolean {
    const w = this.where;
    const chunks = this.chunks;
    const slots = new Int32Array(2 ** Math.max(4, Math.ceil(Math.log2(this.count * 2 + 1)))).fill(-1);
    const mask = slots.length - 1;
    const withSurrogates = new Set<string>();
    const pkSkOf = (i: number): [Buffer, number, number] => {
      const at = FIELDS * i;
      const start = w[at + 1] as number;
      return [chunks[w[at] as number] as Buffer, start + (w[at + 4] as number) + 1, start + (w[at + 2] as number)];
    };
    for (let i = 0; i < this.count; i++) {
      if (w[FIELDS * i + 5]) {
        withSurrogates.add(this.exact.get(i)?.pkSk as string);
        continue;
      }
      const [bytes, start, end] = pkSkOf(i);
      let slot = hashBytes(bytes, start, end) & mask;
      while ((slots[slot] as number) >= 0) slot = (slot + 1) & mask;
      slots[slot] = i;
    }
    let scratch = Buffer.allocUnsafe(4096);
    return (pk, sk) => {
      const pkSk = `${pk}\u0000${sk}`;
      if (withSurrogates.size && withSurrogates.has(pkSk)) return true;
      // A key held as bytes has no surrogate, so it cannot equal one that has.
      if (HAS_SURROGATE.test(pkSk)) return false;
      if (pkSk.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(pkSk.length * 3);
      const n = scratch.write(pkSk);
      for (let slot = hashBytes(scratch, 0, n) & mask; (slots[slot] as number) >= 0; slot = (slot + 1) & mask) {
        const [bytes, start, end] = pkSkOf(slots[slot] as number);
        if (end - start === n && bytes.compare(scratch, 0, n, start, end) === 0) return true;
      }
      return false;
    };
  }

  private keyString(i: number): string {
    const at = FIELDS * i;
    const w = this.where;
    if (w[at + 5]) return this.exact.get(i)?.key as string;
    const start = w[at + 1] as number;
    return (this.chunks[w[at] as number] as Buffer).toString('utf-8', start, start + (w[at + 2] as number));
  }

  /** Order of rows `a` and `b`: by key as strings compare, then by the order they were added in. */
  private compare(a: number, b: number): number {
    const w = this.where;
    const pa = FIELDS * a;
    const pb = FIELDS * b;
    if (w[pa + 5] || w[pb + 5]) {
      const ka = this.keyString(a);
      const kb = this.keyString(b);
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    }
    const ca = this.chunks[w[pa] as number] as Buffer;
    const cb = this.chunks[w[pb] as number] as Buffer;
    const oa = w[pa + 1] as number;
    const ob = w[pb + 1] as number;
    const la = w[pa + 2] as number;
    const lb = w[pb + 2] as number;
    const n = Math.min(la, lb);
    for (let i = 0; i < n; i++) {
      const d = (ca[oa + i] as number) - (cb[ob + i] as number);
      if (d) return d;
    }
    return la - lb || a - b;
  }

  /**
   * The CSV bytes: `header`, then every row sorted by (create_date, pk, sk) as strings; rows with
   * equal keys keep the order they were added in. `sorted` rows, already in that order, are merged
   * in as if they had been added after the rest (they are not held); when one is out of order the
   * iteration throws {@link MergeOrderError}. Yields chunks of about 1 MB.
   */
  async *csvChunks(header: string, sorted?: AsyncIterable<TokenRow>): AsyncGenerator<Buffer> {
    const order = new Uint32Array(this.count);
    for (let i = 0; i < order.length; i++) order[i] = i;
    order.sort((a, b) => this.compare(a, b));
    yield Buffer.from(header, 'utf-8');
    const out = new OutChunks();
    const w = this.where;
    const putRow = (i: number) => {
      const at = FIELDS * i;
      const start = (w[at + 1] as number) + (w[at + 2] as number);
      return out.putBytes(this.chunks[w[at] as number] as Buffer, start, start + (w[at + 3] as number));
    };
    let k = 0;
    if (sorted) {
      let previous: string | undefined;
      let head = order.length ? this.keyString(order[0] as number) : undefined;
      for await (const row of sorted) {
        const key = sortKey(row);
        if (previous !== undefined && key < previous) throw new MergeOrderError();
        previous = key;
        // Held rows go first on equal keys, as if added earlier.
        while (head !== undefined && head <= key) {
          const full = putRow(order[k++] as number);
          if (full) yield full;
          head = k < order.length ? this.keyString(order[k] as number) : undefined;
        }
        const full = out.putString(csvLine(row));
        if (full) yield full;
      }
    }
    for (; k < order.length; k++) {
      const full = putRow(order[k] as number);
      if (full) yield full;
    }
    const rest = out.rest();
    if (rest) yield rest;
  }
}
