/**
 * CSV in and out, streaming. Output is RFC 4180: UTF-8, a header row, CRLF row ends, and fields
 * quoted when they hold a comma, a quote, CR or LF (quotes doubled). Nothing is prefixed or
 * altered: a text starting with `=` is written as is, so values read back identical.
 *
 * Reading uses fast-csv. Writing has two paths: `createCsvWriter` (fast-csv's formatter) and
 * `CsvStreamWriter`, a direct formatter that batches rows into large chunks; the bench measured
 * the latter several times faster on the normalize output (wide rows of long JSON texts), so the
 * pipelines write with it. Both produce the same bytes (tested).
 */
import { PassThrough, type Readable } from 'node:stream';
import { type CsvFormatterStream, format, parse } from 'fast-csv';

export type CsvRow = Record<string, string | number | null | undefined>;

/** A formatter stream: `write(row)` objects in, CSV bytes out (pipe it to `ObjectStore.write`). */
export function createCsvWriter(headers: readonly string[]): CsvFormatterStream<CsvRow, CsvRow> {
  return format<CsvRow, CsvRow>({
    headers: [...headers],
    writeHeaders: true,
    rowDelimiter: '\r\n',
    includeEndRowDelimiter: true,
    quote: '"',
    escape: '"',
  });
}

/** Format rows fully in memory (small outputs and tests). */
export async function rowsToCsv(headers: readonly string[], rows: Iterable<CsvRow>): Promise<string> {
  const w = createCsvWriter(headers);
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    w.on('data', (c: Buffer) => chunks.push(c));
    w.on('end', resolve);
    w.on('error', reject);
  });
  for (const r of rows) w.write(r);
  w.end();
  await done;
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
 * Streaming CSV writer: rows in, UTF-8 bytes out through `stream` (pass it to `ObjectStore.write`).
 * Rows are batched into ~256 KB chunks; `writeRow` waits when the consumer is behind.
 */
export class CsvStreamWriter {
  readonly stream = new PassThrough({ highWaterMark: 1 << 20 });
  private pending = '';
  bytes = 0;
  rows = 0;

  constructor(private readonly headers: readonly string[]) {
    this.pending = `${headers.map(csvField).join(',')}\r\n`;
  }

  /** Write a row given as an object keyed by header. */
  async writeRow(row: CsvRow): Promise<void> {
    let line = '';
    for (let i = 0; i < this.headers.length; i++) {
      if (i) line += ',';
      line += csvField(row[this.headers[i] as string]);
    }
    this.pending += `${line}\r\n`;
    this.rows++;
    if (this.pending.length >= 256 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending) return;
    const chunk = Buffer.from(this.pending, 'utf-8');
    this.pending = '';
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

/** Write a row, waiting when the stream's buffer is full (back-pressure). */
export async function writeRow(w: CsvFormatterStream<CsvRow, CsvRow>, row: CsvRow): Promise<void> {
  if (!w.write(row)) await new Promise<void>((r) => w.once('drain', r));
}

/**
 * Parse a CSV stream into header-keyed rows (all values strings). Quoted fields may span lines.
 * Throws when the header lacks one of `required` (naming the first missing column).
 */
export async function* readCsv(
  input: Readable,
  required: readonly string[] = [],
): AsyncGenerator<Record<string, string>, void, undefined> {
  const parser = parse<Record<string, string>, Record<string, string>>({
    headers: true,
    quote: '"',
    escape: '"',
    ignoreEmpty: true,
    strictColumnHandling: false,
  });
  let checked = required.length === 0;
  let missing: string | undefined;
  parser.on('headers', (headers: string[]) => {
    missing = required.find((c) => !headers.includes(c));
    checked = true;
  });
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  for await (const row of parser as AsyncIterable<Record<string, string>>) {
    if (checked && missing !== undefined) throw new MissingColumnError(missing);
    yield row;
  }
  if (missing !== undefined) throw new MissingColumnError(missing);
}

/** Thrown by {@link readCsv} when a required column is absent from the header. */
export class MissingColumnError extends Error {
  constructor(readonly column: string) {
    super(`CSV is missing the required column "${column}"`);
    this.name = 'InputError';
  }
}
