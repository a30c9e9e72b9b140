/**
 * CSV in and out, streaming. Output is RFC 4180: UTF-8, a header row, CRLF row ends, and fields
 * quoted when they hold a comma, a quote, CR or LF (quotes doubled). Nothing is prefixed or
 * altered: a text starting with `=` is written as is, so values read back identical.
 *
 * Both directions are direct implementations over large string chunks: on the normalize output
 * (wide rows of long JSON texts) they measured several times faster than fast-csv, which the
 * bench keeps as the reference (`npm run bench`), and the tests check byte-equality with it.
 */
import { Readable } from 'node:stream';

/**
 * A field already in its CSV form (quoted and escaped exactly as {@link csvField} would write it),
 * as UTF-8 byte pieces. Lets a producer that renders a large field piece by piece (normalize's
 * `conversacion_completa`) hand the bytes over without decoding, escaping and encoding them again.
 */
export class EncodedCsvField {
  constructor(readonly parts: readonly Buffer[]) {}
}

/**
 * A list of texts written as the CSV field of its JSON array: the same bytes as
 * `csvField(JSON.stringify([...texts]))`, encoded straight into the output (no JSON string, no
 * intermediate bytes).
 */
export class JsonTextList {
  constructor(readonly texts: readonly string[]) {}
}

export type CsvRow = Record<string, string | number | null | undefined | EncodedCsvField | JsonTextList>;

/** The most bytes {@link writeJsonCsv} writes for a string of `length` UTF-16 units (`\u001f` is 6). */
export const worstJsonCsvBytes = (length: number): number => 6 * length + 4;

/**
 * Write `JSON.stringify(s)` with every `"` doubled (its form inside a quoted CSV field) as UTF-8
 * into `b` from `p`: the same bytes as `Buffer.from(JSON.stringify(s).replaceAll('"', '""'))`, in
 * one pass. Returns the position after the last byte; needs {@link worstJsonCsvBytes} bytes free.
 */
export function writeJsonCsv(b: Buffer, p: number, s: string): number {
  b[p++] = 34;
  b[p++] = 34;
  // Runs without anything to escape are encoded natively; only the characters JSON escapes
  // (and surrogates, to tell pairs from lone ones) are handled here.
  let last = 0;
  // `test` rather than `exec`: no match array per special character (34 MB of garbage per 100k
  // items in normalize's core). Every match is one unit long, so it ends just before lastIndex.
  JSON_SPECIAL.lastIndex = 0;
  while (JSON_SPECIAL.test(s)) {
    const i = JSON_SPECIAL.lastIndex - 1;
    if (i > last) p += b.write(s.slice(last, i), p);
    const c = s.charCodeAt(i);
    last = i + 1;
    if (c === 34) {
      b[p++] = 92; // \""
      b[p++] = 34;
      b[p++] = 34;
    } else if (c === 92) {
      b[p++] = 92;
      b[p++] = 92;
    } else if (c < 0x20) {
      const short = c === 8 ? 98 : c === 9 ? 116 : c === 10 ? 110 : c === 12 ? 102 : c === 13 ? 114 : 0;
      if (short) {
        b[p++] = 92;
        b[p++] = short;
      } else p = hexEscape(b, p, c);
    } else {
      const d = s.charCodeAt(i + 1); // NaN past the end
      if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
        p += b.write(s.slice(i, i + 2), p);
        last = i + 2;
        JSON_SPECIAL.lastIndex = last;
      } else p = hexEscape(b, p, c); // a lone surrogate: JSON.stringify writes \udxxx
    }
  }
  if (last < s.length) p += b.write(last ? s.slice(last) : s, p);
  b[p++] = 34;
  b[p++] = 34;
  return p;
}

/** `\uxxxx` with lower-case hex digits, as JSON.stringify writes it. */
function hexEscape(b: Buffer, p: number, c: number): number {
  b[p++] = 92;
  b[p++] = 117;
  for (let shift = 12; shift >= 0; shift -= 4) b[p++] = HEX_DIGITS[(c >> shift) & 15] as number;
  return p;
}

const HEX_DIGITS = Buffer.from('0123456789abcdef');
/** What JSON.stringify escapes (quote, backslash, controls) and surrogates (pairs pass, lone ones are escaped). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what JSON escapes
const JSON_SPECIAL = /["\\\u0000-\u001f\ud800-\udfff]/g;

/** Format rows fully in memory (small outputs and tests). */
export async function rowsToCsv(headers: readonly string[], rows: Iterable<CsvRow>): Promise<string> {
  const w = new CsvStreamWriter(headers);
  const chunks: Buffer[] = [];
  w.stream.on('data', (c: Buffer) => chunks.push(c));
  const ended = new Promise((r) => w.stream.on('end', r));
  for (const r of rows) await w.writeRow(r);
  await w.end();
  await ended;
  return Buffer.concat(chunks).toString('utf-8');
}

const NEEDS_QUOTES = /[",\r\n]/;

/** One RFC 4180 field. */
export function csvField(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Writes the UTF-8 bytes of `s` into `bytes` at `at` (room for `3 * s.length` bytes is the caller's
 * to make); returns how many were written. Byte for byte what `Buffer#write` writes, a lone
 * surrogate included (as U+FFFD); meant for the CSV writer's short strings, where a call into the
 * native encoder costs more than this loop.
 */
export function encodeUtf8(s: string, bytes: Uint8Array, at: number): number {
  const n = s.length;
  let p = at;
  for (let i = 0; i < n; i++) {
    let c = s.charCodeAt(i);
    if (c < 0x80) {
      bytes[p++] = c;
      continue;
    }
    if (c < 0x800) {
      bytes[p++] = 0xc0 | (c >> 6);
      bytes[p++] = 0x80 | (c & 0x3f);
      continue;
    }
    if ((c & 0xf800) === 0xd800) {
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 0;
      if (c < 0xdc00 && (next & 0xfc00) === 0xdc00) {
        c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
        bytes[p++] = 0xf0 | (c >> 18);
        bytes[p++] = 0x80 | ((c >> 12) & 0x3f);
        bytes[p++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[p++] = 0x80 | (c & 0x3f);
        i++;
        continue;
      }
      c = 0xfffd; // a lone surrogate
    }
    bytes[p++] = 0xe0 | (c >> 12);
    bytes[p++] = 0x80 | ((c >> 6) & 0x3f);
    bytes[p++] = 0x80 | (c & 0x3f);
  }
  return p - at;
}

const CHUNK_BYTES = 256 * 1024;
/** Encoded pieces at least this large are handed over as chunks of their own instead of copied. */
const OWN_CHUNK_BYTES = 1024;
/** Strings up to this many UTF-16 units are encoded in JavaScript (cheaper than a native call). */
const SHORT_STRING = 64;

/**
 * Streaming CSV writer: rows in, UTF-8 bytes out through `stream` (pass it to `ObjectStore.write`).
 * Fields are encoded straight into ~256 KB chunks (no per-row string or buffer, no joining of
 * pieces); `writeRow` waits when the consumer is behind.
 */
export class CsvStreamWriter {
  /**
   * The output, one piece per read, as written: a readable fed straight by the writer (a
   * `PassThrough`'s write path cost more than the pieces' bytes), in object mode because a
   * paused byte-mode reader (an async iterator: the in-memory store, S3's multipart upload) is
   * handed everything buffered joined into one fresh buffer, a copy of the whole file. At most
   * 16 pieces (4 MB at worst) wait for the reader.
   */
  readonly stream: Readable = new Readable({
    objectMode: true,
    highWaterMark: 16,
    read: () => this.resume(),
    destroy: (err, callback) => {
      this.resume(new Error('CSV output stream closed'));
      callback(err);
    },
  });
  /** The writer waiting for the reader, if it is. */
  private waiting: { resolve: () => void; reject: (err: Error) => void } | undefined;
  /** The chunk being filled, and how much of it is. */
  private chunk: Buffer = Buffer.allocUnsafe(CHUNK_BYTES);
  private pos = 0;
  /** Where the part of the chunk not yet handed over starts. */
  private start = 0;
  /** Set when the stream asked the writer to wait. */
  private mustWait = false;
  bytes = 0;
  rows = 0;

  constructor(private readonly headers: readonly string[]) {
    for (let i = 0; i < headers.length; i++) {
      if (i) this.chunk[this.pos++] = 44;
      this.text(headers[i] as string);
    }
    this.newline();
  }

  /** Write a row given as an object keyed by header. */
  async writeRow(row: CsvRow): Promise<void> {
    for (let i = 0; i < this.headers.length; i++) {
      if (i) {
        this.room(1);
        this.chunk[this.pos++] = 44;
      }
      const v = row[this.headers[i] as string];
      if (v === null || v === undefined) continue;
      if (typeof v === 'string') this.text(v);
      else if (typeof v === 'number') this.number(v);
      else if (v instanceof JsonTextList) this.jsonList(v.texts);
      else for (const p of v.parts) this.encoded(p);
    }
    this.newline();
    this.rows++;
    if (this.mustWait) await this.drained();
  }

  /** Flush the last rows and end the stream. */
  async end(): Promise<void> {
    this.sendPending();
    if (this.mustWait) await this.drained();
    this.stream.push(null);
  }

  private newline(): void {
    this.room(2);
    this.chunk[this.pos++] = 13;
    this.chunk[this.pos++] = 10;
  }

  /** A plain value as {@link csvField} writes it. */
  private text(value: string): void {
    const s = csvField(value);
    const n = s.length;
    this.room(3 * n);
    if (n <= SHORT_STRING) this.pos += encodeUtf8(s, this.chunk, this.pos);
    else this.pos += this.chunk.write(s, this.pos);
  }

  /** A number as `String(v)` writes it (never quoted). */
  private number(v: number): void {
    const s = String(v);
    this.room(s.length);
    for (let i = 0; i < s.length; i++) this.chunk[this.pos++] = s.charCodeAt(i);
  }

  /** The CSV field of `JSON.stringify(texts)`. */
  private jsonList(texts: readonly string[]): void {
    if (texts.length === 0) {
      this.room(2);
      this.chunk[this.pos++] = 91; // []
      this.chunk[this.pos++] = 93;
      return;
    }
    let worst = 4;
    for (let i = 0; i < texts.length; i++) worst += worstJsonCsvBytes((texts[i] as string).length) + 1;
    if (worst > CHUNK_BYTES) {
      this.text(JSON.stringify(texts)); // rare: quoted and escaped as any text
      return;
    }
    this.room(worst);
    const b = this.chunk;
    let p = this.pos;
    b[p++] = 34; // "[
    b[p++] = 91;
    for (let i = 0; i < texts.length; i++) {
      if (i) b[p++] = 44;
      p = writeJsonCsv(b, p, texts[i] as string);
    }
    b[p++] = 93; // ]"
    b[p++] = 34;
    this.pos = p;
  }

  /**
   * Bytes already in CSV form: copied, or, when large, handed over as they are (the chunk's part
   * before them first; the chunk is filled on after them).
   */
  private encoded(p: Buffer): void {
    if (p.length >= OWN_CHUNK_BYTES) {
      this.sendPending();
      this.send(p);
      return;
    }
    this.room(p.length);
    this.chunk.set(p, this.pos);
    this.pos += p.length;
  }

  /**
   * Make room for `n` more bytes: when they would not fit, what the chunk holds is sent and a new
   * chunk started (the stream keeps what it was given).
   */
  private room(n: number): void {
    if (this.pos + n <= this.chunk.length) return;
    this.sendPending();
    this.chunk = Buffer.allocUnsafe(Math.max(n, CHUNK_BYTES));
    this.pos = 0;
    this.start = 0;
  }

  /** Send the part of the chunk written since the last hand-over; the chunk is filled on after it. */
  private sendPending(): void {
    if (this.pos > this.start) this.send(this.chunk.subarray(this.start, this.pos));
    this.start = this.pos;
  }

  private send(bytes: Buffer): void {
    if (this.stream.destroyed) throw new Error('CSV output stream closed');
    this.bytes += bytes.length;
    if (!this.stream.push(bytes)) this.mustWait = true;
  }

  /** Called by the stream when it wants more (or with an error when it is destroyed). */
  private resume(err?: Error): void {
    const w = this.waiting;
    this.waiting = undefined;
    if (err) w?.reject(err);
    else w?.resolve();
  }

  private drained(): Promise<void> {
    this.mustWait = false;
    if (this.stream.destroyed) return Promise.reject(new Error('CSV output stream closed'));
    if (this.stream.readableLength < this.stream.readableHighWaterMark) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      this.waiting = { resolve, reject };
    });
  }
}

/**
 * Parse RFC 4180 records from a byte or text stream: quoted fields may hold commas, quotes
 * (doubled) and line breaks; rows end in LF or CRLF. Throws on a quote that is never closed or on
 * text after a closing quote.
 *
 * Works on the bytes and decodes each field on its own (fast-csv's char-by-char parser measured
 * 3–4× slower on the normalize output): a quoted field is undoubled (its text between quotes
 * checked and copied 4 bytes at a time) and decoded once, so a kilobytes-long JSON column never
 * becomes a chain of string pieces to flatten, and no field keeps a whole decoded chunk alive in
 * memory. Text chunks are encoded to UTF-8 first (a lone surrogate, which no byte input can hold,
 * reads as U+FFFD).
 */
export async function* parseCsvRecords(
  input: AsyncIterable<Buffer | string>,
  raw?: RawField,
): AsyncGenerator<string[]> {
  // The bytes of a record cut by a chunk boundary are carried at the start of `work` (reused:
  // fields are decoded into strings, so nothing keeps pointing into it). A record is parsed again
  // only once its carried bytes have doubled, so a record of n bytes in tiny chunks costs O(n).
  let work: Buffer = Buffer.allocUnsafe(0);
  let carried = 0;
  let retryAt = 0;
  let heldSurrogate = '';
  for await (const chunk of input) {
    let bytes: Buffer;
    if (typeof chunk === 'string') {
      // A text chunk may end inside a surrogate pair: keep its first half for the next chunk.
      let text = heldSurrogate + chunk;
      heldSurrogate = '';
      const last = text.charCodeAt(text.length - 1);
      if (last >= 0xd800 && last <= 0xdbff) {
        heldSurrogate = text.slice(-1);
        text = text.slice(0, -1);
      }
      bytes = Buffer.from(text, 'utf-8');
    } else bytes = chunk;
    let b = bytes;
    if (carried > 0) {
      work = ensureBytes(work, carried, carried + bytes.length);
      bytes.copy(work, carried);
      b = work.subarray(0, carried + bytes.length);
      if (b.length < retryAt) {
        carried = b.length;
        continue;
      }
    }
    const view = viewOf(b);
    let pos = 0;
    while (pos < b.length) {
      const r = parseRecord(b, view, pos, false, raw);
      if (!r) break;
      pos = r.next;
      if (r.fields) yield r.fields;
    }
    carried = b.length - pos;
    retryAt = 2 * carried;
    if (b === bytes) {
      work = ensureBytes(work, 0, carried);
      bytes.copy(work, 0, pos);
    } else work.copyWithin(0, pos, b.length);
  }
  let b = work.subarray(0, carried);
  if (heldSurrogate) b = Buffer.concat([b, Buffer.from(heldSurrogate, 'utf-8')]);
  const view = viewOf(b);
  let pos = 0;
  while (pos < b.length) {
    const r = parseRecord(b, view, pos, true, raw) as { fields?: string[]; next: number };
    pos = r.next;
    if (r.fields) yield r.fields;
  }
}

/** `buf` if it holds `size` bytes, else a larger buffer with the first `keep` bytes of `buf`. */
function ensureBytes(buf: Buffer, keep: number, size: number): Buffer {
  if (buf.length >= size) return buf;
  const bigger = Buffer.allocUnsafe(Math.max(size, buf.length * 2, 64 * 1024));
  buf.copy(bigger, 0, 0, keep);
  return bigger;
}

/**
 * One field of every record kept as bytes instead of being decoded: the parser leaves `''` in its
 * place and points `bytes` at its content (quotes undoubled), valid until the next record is parsed.
 * `index` may be set once the header is known (`-1`: none).
 */
export interface RawField {
  index: number;
  bytes: Uint8Array;
}

/** Where quoted fields with doubled quotes are undoubled before decoding (grows as needed, reused). */
let scratch: Buffer = Buffer.allocUnsafe(64 * 1024);
let scratchView = viewOf(scratch);
/** The other scratch buffer: the one a raw field's undoubled bytes are left in, swapped with `scratch`. */
let spareScratch: Buffer = Buffer.allocUnsafe(64 * 1024);
const NO_BYTES = new Uint8Array(0);

/** A DataView of `b`'s bytes (the parser reads and copies quoted text 4 bytes at a time through it). */
function viewOf(b: Buffer): DataView {
  return new DataView(b.buffer, b.byteOffset, b.length);
}

/** Make `b` the scratch buffer (its view follows). */
function setScratch(b: Buffer): void {
  if (b === scratch) return;
  scratch = b;
  scratchView = viewOf(b);
}

/** True when one of the 4 bytes of `v` is a quote (`"`, 0x22): the zero-byte test on `v ^ 0x22222222`. */
function hasQuote(v: number): boolean {
  const x = v ^ 0x22222222;
  return ((x - 0x01010101) & ~x & 0x80808080) !== 0;
}

/** Copy `b[from, to)` to the start of `scratch`, making room for at least `room` bytes in all. */
function toScratch(b: Buffer, from: number, to: number, room: number): void {
  setScratch(ensureBytes(scratch, 0, room));
  b.copy(scratch, 0, from, to);
}

/**
 * One record from `b` (`view`: a DataView of it) at `i`; `undefined` when the bytes end before the
 * record does (unless `final`).
 */
function parseRecord(
  b: Buffer,
  view: DataView,
  i: number,
  final: boolean,
  raw: RawField | undefined,
): { fields?: string[]; next: number } | undefined {
  const n = b.length;
  const rawIndex = raw ? raw.index : -1;
  // A blank line is skipped.
  if (b[i] === 10) return { next: i + 1 };
  if (b[i] === 13 && b[i + 1] === 10) return { next: i + 2 };
  const fields: string[] = [];
  while (true) {
    let value: string;
    if (b[i] === 34) {
      // The content up to the closing quote; from the first doubled quote on it is copied to
      // `scratch` without the doubling (w = bytes in scratch, -1 while nothing was doubled).
      // Between quotes, bytes are checked (and copied) 4 at a time.
      let k = i + 1;
      let w = -1;
      while (true) {
        if (w < 0) {
          while (k + 4 <= n && !hasQuote(view.getInt32(k, true))) k += 4;
        } else {
          while (k + 4 <= n && w + 4 <= scratch.length) {
            const v = view.getInt32(k, true);
            if (hasQuote(v)) break;
            scratchView.setInt32(w, v, true);
            k += 4;
            w += 4;
          }
        }
        if (k >= n) {
          if (final) throw new CsvSyntaxError('a quoted field is never closed');
          return undefined;
        }
        const c = b[k] as number;
        if (c !== 34) {
          if (w >= 0) {
            if (w === scratch.length) toScratchGrow(w);
            scratch[w++] = c;
          }
          k++;
          continue;
        }
        if (k + 1 >= n && !final) return undefined;
        if (b[k + 1] === 34) {
          if (w < 0) {
            w = k + 1 - (i + 1);
            toScratch(b, i + 1, k + 1, w + 1);
          } else {
            if (w === scratch.length) toScratchGrow(w);
            scratch[w++] = 34;
          }
          k += 2;
          continue;
        }
        break;
      }
      if (fields.length !== rawIndex) value = w < 0 ? b.toString('utf-8', i + 1, k) : scratch.toString('utf-8', 0, w);
      else {
        value = '';
        if (w < 0) (raw as RawField).bytes = b.subarray(i + 1, k);
        else {
          // Later fields of this record undouble into the other buffer, so these bytes stay.
          (raw as RawField).bytes = scratch.subarray(0, w);
          const kept = scratch;
          setScratch(spareScratch);
          spareScratch = kept;
        }
      }
      i = k + 1;
    } else {
      // Unquoted: up to the next comma or line feed.
      let k = i;
      while (k < n) {
        const c = b[k];
        if (c === 44 || c === 10) break;
        k++;
      }
      if (k >= n && !final) return undefined;
      // As a line end: a CR before a line feed or before the end of the input is not content.
      const end = k > i && b[k - 1] === 13 && (k >= n || b[k] === 10) ? k - 1 : k;
      if (fields.length !== rawIndex) value = b.toString('utf-8', i, end);
      else {
        value = '';
        (raw as RawField).bytes = b.subarray(i, end);
      }
      i = k;
    }
    fields.push(value);
    if (i >= n) {
      if (!final) return undefined;
      return { fields, next: i };
    }
    const c = b[i];
    if (c === 44) {
      i++;
      if (i >= n && !final) return undefined;
      continue;
    }
    if (c === 10) return { fields, next: i + 1 };
    if (c === 13) {
      if (i + 1 >= n && !final) return undefined;
      if (b[i + 1] === 10) return { fields, next: i + 2 };
    }
    throw new CsvSyntaxError('text after a closing quote');
  }
}

/** Double `scratch`, keeping its first `used` bytes. */
function toScratchGrow(used: number): void {
  setScratch(ensureBytes(scratch, used, scratch.length * 2));
}

export class CsvSyntaxError extends Error {
  constructor(message: string) {
    super(`CSV is malformed: ${message}`);
    this.name = 'InputError';
  }
}

/**
 * Parse a CSV stream into header-keyed rows (all values strings). Throws {@link MissingColumnError}
 * when the header lacks one of `required` (naming the first missing column). An empty input has no rows.
 */
export async function* readCsv(
  input: AsyncIterable<Buffer | string>,
  required: readonly string[] = [],
): AsyncGenerator<Record<string, string>, void, undefined> {
  let header: string[] | undefined;
  for await (const fields of parseCsvRecords(input)) {
    if (!header) {
      header = fields;
      const missing = required.find((c) => !fields.includes(c));
      if (missing !== undefined) throw new MissingColumnError(missing);
      continue;
    }
    const row: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) row[header[i] as string] = fields[i] ?? '';
    yield row;
  }
}

/**
 * {@link readCsv}, with the column `rawColumn` (which must be in `required`) left out of each row
 * and given as its UTF-8 bytes instead (quotes undoubled): a view valid only until the next row is
 * read, so a caller that keeps it copies it. A long column never becomes a JS string this way
 * (for a consumer that needs bytes: a Parquet writer, another thread).
 */
export async function* readCsvWithRaw(
  input: AsyncIterable<Buffer | string>,
  required: readonly string[],
  rawColumn: string,
): AsyncGenerator<{ row: Record<string, string>; raw: Uint8Array }, void, undefined> {
  if (!required.includes(rawColumn)) throw new Error(`readCsvWithRaw: "${rawColumn}" must be a required column`);
  let header: string[] | undefined;
  const raw: RawField = { index: -1, bytes: NO_BYTES };
  for await (const fields of parseCsvRecords(input, raw)) {
    if (!header) {
      header = fields;
      const missing = required.find((c) => !fields.includes(c));
      if (missing !== undefined) throw new MissingColumnError(missing);
      raw.index = fields.indexOf(rawColumn);
      continue;
    }
    const row: Record<string, string> = {};
    for (let i = 0; i < header.length; i++) if (i !== raw.index) row[header[i] as string] = fields[i] ?? '';
    // A short record (fewer fields than the header) has no such field: empty, as readCsv gives ''.
    const bytes = fields.length > raw.index ? raw.bytes : NO_BYTES;
    raw.bytes = NO_BYTES;
    yield { row, raw: bytes };
  }
}

/** Thrown by {@link readCsv} when a required column is absent from the header. */
export class MissingColumnError extends Error {
  constructor(readonly column: string) {
    super(`CSV is missing the required column "${column}"`);
    this.name = 'InputError';
  }
}
