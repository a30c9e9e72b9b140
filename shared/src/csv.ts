/**
 * CSV in and out, streaming, with fast-csv. Output is RFC 4180: UTF-8, a header row, CRLF row
 * ends, and fields quoted when they hold a comma, a quote, CR or LF (quotes doubled). Nothing is
 * prefixed or altered: a text starting with `=` is written as is, so values read back identical.
 */
import type { Readable } from 'node:stream';
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
