/**
 * CSV in and out, streaming. Output is RFC 4180: UTF-8, a header row, CRLF row ends, and fields
 * quoted when they hold a comma, a quote, CR or LF (quotes doubled). Nothing is prefixed or
 * altered: a text starting with `=` is written as is, so values read back identical.
 *
 * Both directions are direct implementations over large string chunks: on the normalize output
 * (wide rows of long JSON texts) they measured several times faster than fast-csv, which the
 * bench keeps as the reference (`npm run bench`), and the tests check byte-equality with it.
 */
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';

/**
 * A field already in its CSV form (quoted and escaped exactly as {@link csvField} would write it),
 * as UTF-8 byte pieces. Lets a producer that renders a large field piece by piece (normalize's
 * `conversacion_completa`) hand the bytes over without decoding, escaping and encoding them again.
 */
export class EncodedCsvField {
  constructor(readonly parts: readonly Buffer[]) {}
}

export type CsvRow = Record<string, string | number | null | undefined | EncodedCsvField>;

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

const CHUNK_BYTES = 256 * 1024;

/**
 * Streaming CSV writer: rows in, UTF-8 bytes out through `stream` (pass it to `ObjectStore.write`).
 * Rows are batched into ~256 KB chunks; `writeRow` waits when the consumer is behind.
 */
export class CsvStreamWriter {
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 });
  /** Text not yet encoded (the current run of plain fields). */
  private text = '';
  /** Encoded pieces of the next chunk, and their size. */
  private pieces: Buffer[] = [];
  private pieceBytes = 0;
  bytes = 0;
  rows = 0;

  constructor(private readonly headers: readonly string[]) {
    this.text = `${headers.map(csvField).join(',')}\r\n`;
  }

  /** Write a row given as an object keyed by header. */
  async writeRow(row: CsvRow): Promise<void> {
    let line = '';
    for (let i = 0; i < this.headers.length; i++) {
      if (i) line += ',';
      const v = row[this.headers[i] as string];
      if (v instanceof EncodedCsvField) {
        this.text += line;
        line = '';
        this.encodeText();
        for (const p of v.parts) this.pieces.push(p);
        for (const p of v.parts) this.pieceBytes += p.length;
      } else line += csvField(v);
    }
    this.text += `${line}\r\n`;
    this.rows++;
    if (this.text.length + this.pieceBytes >= CHUNK_BYTES) await this.flush();
  }

  private encodeText(): void {
    if (!this.text) return;
    const b = Buffer.from(this.text, 'utf-8');
    this.text = '';
    this.pieces.push(b);
    this.pieceBytes += b.length;
  }

  private async flush(): Promise<void> {
    this.encodeText();
    if (!this.pieceBytes) return;
    const chunk = this.pieces.length === 1 ? (this.pieces[0] as Buffer) : Buffer.concat(this.pieces, this.pieceBytes);
    this.pieces = [];
    this.pieceBytes = 0;
    this.bytes += chunk.length;
    if (this.stream.destroyed) throw new Error('CSV output stream closed');
    if (!this.stream.write(chunk)) {
      await new Promise<void>((resolve, reject) => {
        const onDrain = () => {
          this.stream.off('close', onClose);
          resolve();
        };
        const onClose = () => {
          this.stream.off('drain', onDrain);
          reject(new Error('CSV output stream closed'));
        };
        this.stream.once('drain', onDrain);
        this.stream.once('close', onClose);
      });
    }
  }

  /** Flush the last rows and end the stream. */
  async end(): Promise<void> {
    await this.flush();
    this.stream.end();
  }
}

/**
 * Parse RFC 4180 records from a byte or text stream: quoted fields may hold commas, quotes
 * (doubled) and line breaks; rows end in LF or CRLF. Scans with `indexOf` rather than char by
 * char (fast-csv's parser measured 3–4× slower on the normalize output). Throws on a quote that
 * is never closed or on text after a closing quote.
 */
export async function* parseCsvRecords(input: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let buf = '';
  for await (const chunk of input) {
    buf += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    let pos = 0;
    while (pos < buf.length) {
      const r = parseRecord(buf, pos, false);
      if (!r) break;
      pos = r.next;
      if (r.fields) yield r.fields;
    }
    buf = buf.slice(pos);
  }
  buf += decoder.end();
  let pos = 0;
  while (pos < buf.length) {
    const r = parseRecord(buf, pos, true) as { fields?: string[]; next: number };
    pos = r.next;
    if (r.fields) yield r.fields;
  }
}

/** One record from `s` at `i`; `undefined` when the buffer ends before the record does (unless `final`). */
function parseRecord(s: string, i: number, final: boolean): { fields?: string[]; next: number } | undefined {
  // A blank line is skipped.
  if (s.charCodeAt(i) === 10) return { next: i + 1 };
  if (s.charCodeAt(i) === 13 && s.charCodeAt(i + 1) === 10) return { next: i + 2 };
  const fields: string[] = [];
  while (true) {
    let value: string;
    if (s.charCodeAt(i) === 34) {
      let j = i + 1;
      value = '';
      while (true) {
        const k = s.indexOf('"', j);
        if (k < 0) {
          if (final) throw new CsvSyntaxError('a quoted field is never closed');
          return undefined;
        }
        if (k + 1 >= s.length && !final) return undefined;
        if (s.charCodeAt(k + 1) === 34) {
          value += s.slice(j, k + 1);
          j = k + 2;
          continue;
        }
        value += s.slice(j, k);
        i = k + 1;
        break;
      }
    } else {
      let comma = s.indexOf(',', i);
      let nl = s.indexOf('\n', i);
      if (comma < 0) comma = s.length;
      if (nl < 0) {
        if (!final) return undefined;
        nl = s.length;
      }
      const end = Math.min(comma, nl);
      value = s.slice(i, end);
      if (end === nl && value.endsWith('\r')) value = value.slice(0, -1);
      i = end;
    }
    fields.push(value);
    if (i >= s.length) {
      if (!final) return undefined;
      return { fields, next: i };
    }
    const c = s.charCodeAt(i);
    if (c === 44) {
      i++;
      if (i >= s.length && !final) return undefined;
      continue;
    }
    if (c === 10) return { fields, next: i + 1 };
    if (c === 13) {
      if (i + 1 >= s.length && !final) return undefined;
      if (s.charCodeAt(i + 1) === 10) return { fields, next: i + 2 };
    }
    throw new CsvSyntaxError('text after a closing quote');
  }
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

/** Thrown by {@link readCsv} when a required column is absent from the header. */
export class MissingColumnError extends Error {
  constructor(readonly column: string) {
    super(`CSV is missing the required column "${column}"`);
    this.name = 'InputError';
  }
}
