/**
 * The output rows of a tokens run, held compactly until they are written in order. The output is
 * sorted by (create_date, pk, sk) and the scan returns items in no order, so every row is held
 * until the last one is known. Per row, only its CSV line is appended as UTF-8 bytes to shared
 * 1 MB buffers (its sort key is read back from the create_date, pk and sk fields of the line),
 * located by eight integers in a typed array: no JS object or string per row. Off the JS heap they
 * cost their bytes once; on it, a live MB also raised the heap limit V8 grew to while the table was
 * scanned (≈ 3–4× live with the default heap size). Fresh memory is touched once per byte held:
 * on VMs where the first touch of a page is slow, that is most of the cost of holding a row.
 * Rows that arrive already in order (the archival CSV) are merged in while writing instead of being held.
 */
import { CatiaError, csvField } from '@catia/shared';
import { CSV_COLUMNS, type TokenRow } from './conversation';

/** Largest byte buffer; a longer row gets a buffer of its own. */
const CHUNK_BYTES = 1 << 20;
/** A month's first buffer; each next one of the month is twice the size, up to {@link CHUNK_BYTES}. */
const FIRST_BUFFER_BYTES = 8 << 10;
/**
 * Rows whose create_date starts with the same ASCII characters this long (a month) share buffers.
 * A month rather than a day: rows are written into fewer buffers at once, which measured faster.
 */
const DAY_CHARS = 7;
/** A month whose lines exceed this is copied into fresh output chunks instead (bounds the reused buffer). */
const SCRATCH_BYTES = 8 << 20;
/** Size of the byte chunks {@link RowStore.csvChunks} yields. */
const OUT_BYTES = 1 << 20;
/**
 * Per row: chunk index, offset of its line in the chunk, bytes of the line, bytes of create_date,
 * offset of pk in the line, bytes of pk, bytes of sk (sk follows pk and a comma), and 1 when the
 * key is held as a string (see {@link RowStore.add}).
 */
const FIELDS = 8;
const COLUMNS = CSV_COLUMNS.length;
const PK_COLUMN = CSV_COLUMNS.indexOf('pk');
const SK_COLUMN = CSV_COLUMNS.indexOf('sk');
// The key is read from the line: create_date first, sk right after pk.
if (CSV_COLUMNS[0] !== 'create_date' || SK_COLUMN !== PK_COLUMN + 1) throw new Error('unexpected CSV_COLUMNS order');
/** Key bytes compared as numbers before the keys themselves: 3 numbers of 6 bytes each. */
const PREFIX_BYTES = 18;
/**
 * Without surrogates every UTF-16 unit is its code point and UTF-8 bytes sort in code-point order,
 * so bytes and strings sort alike; with one, they can differ (U+FF21 vs U+1F600), and a lone
 * surrogate does not survive UTF-8 at all.
 */
const HAS_SURROGATE = /[\uD800-\uDFFF]/;
const NEEDS_QUOTES = /[",\r\n]/;

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

/** A row's fields in {@link CSV_COLUMNS} order, read by name (a computed name would be a slow keyed lookup). */
function fieldsOf(row: TokenRow): string[] {
  return [
    row.create_date,
    row.input_token,
    row.output_token,
    row.precio_token_input,
    row.precio_token_output,
    row.total_price,
    row.pk,
    row.sk,
    row.source,
    row.user_id,
    row.conversation_id,
    row.bot_id,
    row.model,
    row.message_count,
    row.estimation_method,
    row.input_token_context,
    row.recorded_total_price,
    row.price_flags,
  ];
}
if (fieldsOf(Object.fromEntries(CSV_COLUMNS.map((c) => [c, c])) as TokenRow).join() !== CSV_COLUMNS.join())
  throw new Error('fieldsOf does not follow CSV_COLUMNS');

/**
 * Writes `s` at `at` when it is ASCII without a character that needs quoting (then its CSV field
 * is itself, one byte per unit) and returns the index after it; else returns -1 (bytes written so
 * far are overwritten by the caller).
 */
/** The first `n` units of `s` are ASCII (then they are also its first `n` UTF-8 bytes). */
function isAsciiPrefix(s: string, n: number): boolean {
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return false;
  return true;
}

function putPlain(buf: Buffer, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || c === 0x22 || c === 0x2c || c === 0x0d || c === 0x0a) return -1;
    buf[at + i] = c;
  }
  return at + n;
}

/** FNV-1a step. */
const fnv = (h: number, byte: number) => Math.imul(h ^ byte, 0x01000193);

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

/** The rows of one month: their buffers in the order they were filled, and the bytes of their lines. */
interface Day {
  chunks: number[];
  bytes: number;
}

export class RowStore {
  private chunks: Buffer[] = [];
  /** Per buffer: bytes used, and its month. */
  private chunkUsed: number[] = [];
  private chunkDay: number[] = [];
  private days: Day[] = [];
  private dayIndex = new Map<string, number>();
  /** Every create_date so far starts with {@link DAY_CHARS} ASCII characters (see {@link drainCsvChunks}). */
  private byDay = true;
  /** The 1 MB slab the days' buffers are cut from, and its bytes handed out. */
  private slab: Buffer = Buffer.alloc(0);
  private slabUsed = 0;
  private count = 0;
  /**
   * Room for 128k rows from the start: untouched pages of a fresh array cost nothing, while each
   * doubling copies the array into fresh memory (slow to touch on some VMs).
   */
  private where = new Uint32Array(FIELDS * 131_072);
  /** Exact key strings of the rare rows whose key cannot be compared as the bytes of their line. */
  private readonly exact = new Map<number, { key: string; pkSk: string }>();
  /** Scratch for the key bytes of two rows (see {@link RowStore.keyBytes}). */
  private scratchA: Buffer = Buffer.allocUnsafe(256);
  private scratchB: Buffer = Buffer.allocUnsafe(256);

  /** Rows held. */
  get size(): number {
    return this.count;
  }

  /**
   * Hold one row: its CSV line as UTF-8 bytes, written field by field (ASCII fields byte by byte,
   * others through {@link csvField}). Its sort key `create_date NUL pk NUL sk` is the bytes of those
   * fields when they are not quoted; for keys without surrogates, comparing those UTF-8 bytes gives
   * exactly the order of comparing the strings. A key with a surrogate or a quoted key field is also
   * kept as a string and compared as one.
   */
  add(row: TokenRow): void {
    const fields = fieldsOf(row);
    // Worst case 3 UTF-8 bytes per UTF-16 unit (a quote takes 2), 2 quotes and a comma per field.
    let units = 0;
    for (let c = 0; c < COLUMNS; c++) units += (fields[c] as string).length;
    let bound = 3 * units + 3 * COLUMNS + 2;
    const cd = row.create_date;
    let dayName = '';
    if (cd.length >= DAY_CHARS && isAsciiPrefix(cd, DAY_CHARS)) dayName = cd.slice(0, DAY_CHARS);
    else this.byDay = false;
    let dayNumber = this.dayIndex.get(dayName);
    if (dayNumber === undefined) {
      dayNumber = this.days.length;
      this.days.push({ chunks: [], bytes: 0 });
      this.dayIndex.set(dayName, dayNumber);
    }
    const day = this.days[dayNumber] as Day;
    let chunk = day.chunks.length ? (day.chunks[day.chunks.length - 1] as number) : -1;
    let start = chunk >= 0 ? (this.chunkUsed[chunk] as number) : 0;
    const room = chunk >= 0 ? (this.chunks[chunk] as Buffer).length - start : 0;
    if (bound > room) {
      if (bound > CHUNK_BYTES) bound = Buffer.byteLength(csvLine(row));
      if (bound > room) {
        const size = Math.min(CHUNK_BYTES, FIRST_BUFFER_BYTES * 2 ** Math.min(day.chunks.length, 7));
        chunk = this.chunks.length;
        this.chunks.push(this.carve(Math.max(size, bound)));
        this.chunkUsed.push(0);
        this.chunkDay.push(dayNumber);
        day.chunks.push(chunk);
        start = 0;
      }
    }
    const n = this.count++;
    if (FIELDS * (n + 1) > this.where.length) {
      const grown = new Uint32Array(this.where.length * 2);
      grown.set(this.where);
      this.where = grown;
    }
    const buf = this.chunks[chunk] as Buffer;
    let at = start;
    let cdEnd = 0;
    let pkAt = 0;
    let pkEnd = 0;
    let skEnd = 0;
    let keyEncoded = false;
    for (let c = 0; c < COLUMNS; c++) {
      if (c) buf[at++] = 0x2c;
      if (c === PK_COLUMN) pkAt = at;
      const s = fields[c] as string;
      const next = putPlain(buf, at, s);
      if (next >= 0) at = next;
      else {
        at += buf.write(csvField(s), at);
        if (c === 0 || c === PK_COLUMN || c === SK_COLUMN) keyEncoded = true;
      }
      if (c === 0) cdEnd = at;
      else if (c === PK_COLUMN) pkEnd = at;
      else if (c === SK_COLUMN) skEnd = at;
    }
    buf[at++] = 0x0d;
    buf[at++] = 0x0a;
    this.chunkUsed[chunk] = at;
    day.bytes += at - start;
    const w = this.where;
    const p = FIELDS * n;
    w[p] = chunk;
    w[p + 1] = start;
    w[p + 2] = at - start;
    w[p + 3] = cdEnd - start;
    w[p + 4] = pkAt - start;
    w[p + 5] = pkEnd - pkAt;
    w[p + 6] = skEnd - pkEnd - 1;
    w[p + 7] = 0;
    if (keyEncoded) {
      const key = sortKey(row);
      if (
        HAS_SURROGATE.test(key) ||
        NEEDS_QUOTES.test(row.create_date) ||
        NEEDS_QUOTES.test(row.pk) ||
        NEEDS_QUOTES.test(row.sk)
      ) {
        w[p + 7] = 1;
        this.exact.set(n, { key, pkSk: key.slice(row.create_date.length + 1) });
      }
    }
  }

  /**
   * The key bytes `create_date NUL pk NUL sk` of row `i` (not held as a string), at most `max` of
   * them, copied into `into` (grown when needed; returned with the number of bytes).
   */
  private keyBytes(i: number, into: Buffer, max: number): [Buffer, number] {
    const w = this.where;
    const p = FIELDS * i;
    const chunk = this.chunks[w[p] as number] as Buffer;
    const start = w[p + 1] as number;
    const cd = w[p + 3] as number;
    const pkAt = start + (w[p + 4] as number);
    const pk = w[p + 5] as number;
    const sk = w[p + 6] as number;
    const length = Math.min(max, cd + 1 + pk + 1 + sk);
    let out = into;
    if (out.length < length) out = Buffer.allocUnsafe(2 * length);
    let k = 0;
    for (let j = 0; j < cd && k < length; j++) out[k++] = chunk[start + j] as number;
    if (k < length) out[k++] = 0;
    for (let j = 0; j < pk && k < length; j++) out[k++] = chunk[pkAt + j] as number;
    if (k < length) out[k++] = 0;
    for (let j = 0, s = pkAt + pk + 1; j < sk && k < length; j++) out[k++] = chunk[s + j] as number;
    return [out, length];
  }

  /**
   * A test of whether a (pk, sk) is among the rows held now: an open-addressing table of row
   * numbers by a hash of the key bytes, each hit checked against the bytes (≈ 8 bytes per row,
   * against ≈ 140 for a Set of strings). Keys held as strings are checked as strings.
   */
  keyLookup(): (pk: string, sk: string) => boolean {
    const w = this.where;
    const chunks = this.chunks;
    const slots = new Int32Array(2 ** Math.max(4, Math.ceil(Math.log2(this.count * 2 + 1)))).fill(-1);
    const mask = slots.length - 1;
    const asStrings = new Set<string>();
    /** FNV-1a over `pk NUL sk` of row `i`. */
    const hashRow = (i: number) => {
      const p = FIELDS * i;
      const chunk = chunks[w[p] as number] as Buffer;
      const pkAt = (w[p + 1] as number) + (w[p + 4] as number);
      const end = pkAt + (w[p + 5] as number) + 1 + (w[p + 6] as number);
      const nul = pkAt + (w[p + 5] as number);
      let h = 0x811c9dc5;
      for (let j = pkAt; j < end; j++) h = fnv(h, j === nul ? 0 : (chunk[j] as number));
      return h >>> 0;
    };
    for (let i = 0; i < this.count; i++) {
      if (w[FIELDS * i + 7]) {
        asStrings.add(this.exact.get(i)?.pkSk as string);
        continue;
      }
      let slot = hashRow(i) & mask;
      while ((slots[slot] as number) >= 0) slot = (slot + 1) & mask;
      slots[slot] = i;
    }
    let scratch = Buffer.allocUnsafe(4096);
    return (pk, sk) => {
      const pkSk = `${pk}\u0000${sk}`;
      if (asStrings.size && asStrings.has(pkSk)) return true;
      // A key held as bytes has no surrogate, so it cannot equal one that has.
      if (HAS_SURROGATE.test(pkSk)) return false;
      if (pkSk.length * 3 > scratch.length) scratch = Buffer.allocUnsafe(pkSk.length * 3);
      const n = scratch.write(pkSk);
      let h = 0x811c9dc5;
      for (let j = 0; j < n; j++) h = fnv(h, scratch[j] as number);
      for (let slot = (h >>> 0) & mask; (slots[slot] as number) >= 0; slot = (slot + 1) & mask) {
        const p = FIELDS * (slots[slot] as number);
        const pkBytes = w[p + 5] as number;
        if (pkBytes + 1 + (w[p + 6] as number) !== n || scratch[pkBytes] !== 0) continue;
        const chunk = chunks[w[p] as number] as Buffer;
        const pkAt = (w[p + 1] as number) + (w[p + 4] as number);
        if (
          chunk.compare(scratch, 0, pkBytes, pkAt, pkAt + pkBytes) === 0 &&
          chunk.compare(scratch, pkBytes + 1, n, pkAt + pkBytes + 1, pkAt + n) === 0
        )
          return true;
      }
      return false;
    };
  }

  private keyString(i: number): string {
    const p = FIELDS * i;
    const w = this.where;
    if (w[p + 7]) return this.exact.get(i)?.key as string;
    const [bytes, length] = this.keyBytes(i, this.scratchA, Number.POSITIVE_INFINITY);
    this.scratchA = bytes;
    return bytes.toString('utf-8', 0, length);
  }

  /** Order of rows `a` and `b`: by key as strings compare, then by the order they were added in. */
  private compare(a: number, b: number): number {
    const w = this.where;
    if (w[FIELDS * a + 7] || w[FIELDS * b + 7]) {
      const ka = this.keyString(a);
      const kb = this.keyString(b);
      return ka < kb ? -1 : ka > kb ? 1 : a - b;
    }
    const [ba, la] = this.keyBytes(a, this.scratchA, Number.POSITIVE_INFINITY);
    const [bb, lb] = this.keyBytes(b, this.scratchB, Number.POSITIVE_INFINITY);
    this.scratchA = ba;
    this.scratchB = bb;
    return ba.compare(bb, 0, lb, 0, la) || a - b;
  }

  /**
   * Row numbers in output order. Keys are compared first by their first {@link PREFIX_BYTES} bytes
   * as three numbers (a key shorter than that padded with zeros: a tie then falls to the full
   * comparison, so padding never decides), then in full. With a key held as a string, every row
   * is compared in full.
   */
  private sortedOrder(): Uint32Array {
    const count = this.count;
    const order = new Uint32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    if (this.exact.size) return order.sort((a, b) => this.compare(a, b));
    const p0 = new Float64Array(count);
    const p1 = new Float64Array(count);
    const p2 = new Float64Array(count);
    let bytes: Buffer = Buffer.alloc(PREFIX_BYTES);
    for (let i = 0; i < count; i++) {
      let length: number;
      [bytes, length] = this.keyBytes(i, bytes, PREFIX_BYTES);
      bytes.fill(0, length, PREFIX_BYTES);
      p0[i] = bytes.readUIntBE(0, 6);
      p1[i] = bytes.readUIntBE(6, 6);
      p2[i] = bytes.readUIntBE(12, 6);
    }
    return order.sort(
      (a, b) =>
        (p0[a] as number) - (p0[b] as number) ||
        (p1[a] as number) - (p1[b] as number) ||
        (p2[a] as number) - (p2[b] as number) ||
        this.compare(a, b),
    );
  }

  /**
   * The CSV bytes: `header`, then every row sorted by (create_date, pk, sk) as strings; rows with
   * equal keys keep the order they were added in. `sorted` rows, already in that order, are merged
   * in as if they had been added after the rest (they are not held); when one is out of order the
   * iteration throws {@link MergeOrderError}. Yields chunks of about 1 MB.
   */
  async *csvChunks(header: string, sorted?: AsyncIterable<TokenRow>): AsyncGenerator<Buffer> {
    const order = this.sortedOrder();
    yield Buffer.from(header, 'utf-8');
    const out = new OutChunks();
    const w = this.where;
    const putRow = (i: number) => {
      const p = FIELDS * i;
      const start = w[p + 1] as number;
      return out.putBytes(this.chunks[w[p] as number] as Buffer, start, start + (w[p + 2] as number));
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

  /**
   * The bytes of {@link csvChunks}`(header)`, written over the rows' own buffers; the store is empty
   * afterwards. Rows of one month are held in buffers of their own and, keys being ordered by
   * create_date first, are contiguous in the output: each month's rows are copied in order into one
   * reused buffer, then back over the month's buffers, which are handed over as the output chunks.
   * The output then touches no fresh memory (the first touch of a page is slow on some VMs). A month
   * over {@link SCRATCH_BYTES} is copied into fresh chunks; when a key is held as a string or a
   * create_date does not start with {@link DAY_CHARS} ASCII characters, the whole output is copied
   * as {@link csvChunks} does.
   */
  async *drainCsvChunks(header: string): AsyncGenerator<Buffer> {
    if (!this.byDay || this.exact.size) {
      yield* this.csvChunks(header);
      this.clear();
      return;
    }
    const order = this.sortedOrder();
    yield Buffer.from(header, 'utf-8');
    const w = this.where;
    const chunks = this.chunks;
    let scratch = Buffer.allocUnsafeSlow(0);
    for (let k = 0; k < order.length; ) {
      const dayNumber = this.chunkDay[w[FIELDS * (order[k] as number)] as number] as number;
      const day = this.days[dayNumber] as Day;
      if (day.bytes > SCRATCH_BYTES) {
        const out = new OutChunks();
        for (; k < order.length; k++) {
          const p = FIELDS * (order[k] as number);
          if (this.chunkDay[w[p] as number] !== dayNumber) break;
          const start = w[p + 1] as number;
          const full = out.putBytes(chunks[w[p] as number] as Buffer, start, start + (w[p + 2] as number));
          if (full) yield full;
        }
        const rest = out.rest();
        if (rest) yield rest;
        continue;
      }
      if (scratch.length < day.bytes) scratch = Buffer.allocUnsafeSlow(Math.max(day.bytes, 2 * scratch.length));
      let at = 0;
      for (; k < order.length; k++) {
        const p = FIELDS * (order[k] as number);
        if (this.chunkDay[w[p] as number] !== dayNumber) break;
        const start = w[p + 1] as number;
        at += (chunks[w[p] as number] as Buffer).copy(scratch, at, start, start + (w[p + 2] as number));
      }
      if (at !== day.bytes) throw new Error('RowStore: rows of a month are not contiguous in key order');
      let from = 0;
      for (const c of day.chunks) {
        const used = this.chunkUsed[c] as number;
        const chunk = chunks[c] as Buffer;
        scratch.copy(chunk, 0, from, from + used);
        from += used;
        yield chunk.subarray(0, used);
      }
    }
    this.clear();
  }

  /** A buffer of `bytes` cut from a shared 1 MB slab (one allocation per MB, not per month's buffer). */
  private carve(bytes: number): Buffer {
    if (bytes > CHUNK_BYTES) return Buffer.allocUnsafeSlow(bytes);
    if (this.slabUsed + bytes > this.slab.length) {
      this.slab = Buffer.allocUnsafeSlow(CHUNK_BYTES);
      this.slabUsed = 0;
    }
    const piece = this.slab.subarray(this.slabUsed, this.slabUsed + bytes);
    this.slabUsed += bytes;
    return piece;
  }

  /** Forget every row (their buffers may have been handed over). */
  private clear(): void {
    this.chunks = [];
    this.chunkUsed = [];
    this.chunkDay = [];
    this.days = [];
    this.dayIndex = new Map();
    this.byDay = true;
    this.slab = Buffer.alloc(0);
    this.slabUsed = 0;
    this.count = 0;
    this.exact.clear();
  }
}
