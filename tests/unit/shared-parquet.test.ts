import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ByteSink, type ParquetCodec, type ParquetColumn, ParquetRowWriter } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import { HyparquetRowWriter } from '../../scripts/bench/hyparquet-row-writer';
import { PARQUET_COLUMNS } from '../../services/transform/src/transform/pipeline';

type Row = Record<string, unknown>;

const AWKWARD = [
  '',
  'línea 1\nlínea 2\r\nlínea 3',
  'dijo "hola", \'adiós\'',
  'a, b | c\td',
  '=SUM(A1) +57 -menos @usuario',
  'emoji 🏠✅👩‍👩‍👧',
  '\u200fRTL עברית',
  'ÁÉÍÓÚ ñ ü ¿¡',
  'control \u0001\u001f',
  'x'.repeat(40),
  'ü'.repeat(20),
  '😀'.repeat(9),
];

const ALL_TYPES: ParquetColumn[] = [
  { name: 'id', type: 'int32', required: true },
  { name: 'texto', type: 'string' },
  { name: 'obligatorio', type: 'string', required: true },
  { name: 'n', type: 'int32' },
  { name: 'grande', type: 'int64' },
  { name: 'costo', type: 'double' },
  { name: 'activo', type: 'boolean' },
  { name: 'dia', type: 'date' },
  { name: 'preguntas', type: 'string_list' },
  { name: 'conversacion', type: 'string', longText: true },
];

const DAYS = ['2025-08-04', '2025-12-31', '1969-12-31', '2000-02-29', '1970-01-01'];
const INT64S = [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 2n ** 63n - 1n, -(2n ** 63n), 30];
const DOUBLES = [0.0001, -0, 1e308, 5e-324, -2.5, Number.POSITIVE_INFINITY, Number.NaN];

/** Rows with every kind of value, nulls in every nullable column, and runs and alternations of nulls. */
function allTypeRows(count: number): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    const lists: (string[] | null)[] = [null, [], [AWKWARD[i % AWKWARD.length]!], [''], AWKWARD.slice(0, i % 5)];
    rows.push({
      id: i,
      texto: i % 5 === 4 || (i > 60 && i < 80) ? null : AWKWARD[i % AWKWARD.length],
      obligatorio: AWKWARD[(i + 3) % AWKWARD.length],
      n: i % 7 === 3 ? null : i % 2 ? -i * 1000 : i,
      grande: i % 11 === 5 ? undefined : INT64S[i % INT64S.length],
      costo: i % 13 === 6 ? null : DOUBLES[i % DOUBLES.length],
      activo: i % 3 === 0 ? null : i % 2 === 0,
      dia: i % 4 === 1 ? null : DAYS[i % DAYS.length],
      preguntas: lists[i % lists.length],
      conversacion:
        i % 9 === 8 ? null : `[{"rol":"user","texto":${JSON.stringify(AWKWARD[i % AWKWARD.length])}}]`.repeat(i % 4),
    });
  }
  return rows;
}

/** Collects what a writer emits (the writer must never change a chunk once emitted). */
function collect(): { sink: ByteSink; bytes: () => Buffer } {
  const chunks: Uint8Array[] = [];
  return {
    sink: { write: async (c) => void chunks.push(c), end: async () => undefined },
    bytes: () => Buffer.concat(chunks),
  };
}

async function writeParquet(
  columns: readonly ParquetColumn[],
  rows: Row[],
  rowGroupSize: number,
  codec?: ParquetCodec,
): Promise<Buffer> {
  const { sink, bytes } = collect();
  const w = new ParquetRowWriter(columns, sink, rowGroupSize, { codec });
  for (const r of rows) await w.write(r);
  await w.close();
  expect(w.rows).toBe(rows.length);
  return bytes();
}

async function writeWithHyparquetWriter(columns: readonly ParquetColumn[], rows: Row[], rowGroupSize: number) {
  const { sink, bytes } = collect();
  const w = new HyparquetRowWriter(columns, sink, rowGroupSize);
  for (const r of rows) await w.write(r);
  await w.close();
  return bytes();
}

const dir = mkdtempSync(join(tmpdir(), 'parquet-writer-'));
let files = 0;
let db: DuckDbEngine;
beforeAll(async () => {
  db = await DuckDbEngine.create(async () => dir);
});
afterAll(() => {
  db.close();
  rmSync(dir, { recursive: true, force: true });
});

/** The file written to disk, as DuckDB's `read_parquet(…)`; `parquet_metadata(…)` with `metadata`. */
function onDisk(bytes: Buffer, table = 'read_parquet'): string {
  const path = join(dir, `f${files++}.parquet`);
  writeFileSync(path, bytes);
  return `${table}('${path}')`;
}

/** What DuckDB reads back, with dates as text and int64 as bigint, ordered by `id`. */
async function readWithDuckDb(bytes: Buffer, dateColumns: string[] = []): Promise<Row[]> {
  const replace = dateColumns.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ');
  const select = replace ? `* REPLACE (${replace})` : '*';
  return db.execute(`SELECT ${select} FROM ${onDisk(bytes)} ORDER BY id`);
}

const arrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.length) as ArrayBuffer;

/** What hyparquet reads back, with dates as text (and a null list as null: hyparquet gives undefined). */
async function readWithHyparquet(bytes: Buffer): Promise<Row[]> {
  const rows = (await parquetReadObjects({ file: arrayBuffer(bytes) })) as Row[];
  return rows.map((r) =>
    Object.fromEntries(
      Object.entries(r).map(([k, v]) => [k, v instanceof Date ? v.toISOString().slice(0, 10) : (v ?? null)]),
    ),
  );
}

/** The rows as the readers should return them: absent values as null, int64 as bigint. */
function expected(rows: Row[], columns: readonly ParquetColumn[]): Row[] {
  return rows.map((r) =>
    Object.fromEntries(
      columns.map((c) => {
        const v = r[c.name] ?? null;
        return [c.name, c.type === 'int64' && v !== null ? BigInt(v as number) : v];
      }),
    ),
  );
}

describe('ParquetRowWriter', () => {
  it('writes every column type, awkward texts and nulls that DuckDB and hyparquet read back identically', async () => {
    // Prepare
    const rows = allTypeRows(150);

    // Act
    const bytes = await writeParquet(ALL_TYPES, rows, 7);

    // Assess
    const want = expected(rows, ALL_TYPES);
    expect(await readWithDuckDb(bytes, ['dia'])).toEqual(want);
    expect(await readWithHyparquet(bytes)).toEqual(want);
    const types = await db.execute(`DESCRIBE SELECT * FROM ${onDisk(bytes)}`);
    expect(Object.fromEntries(types.map((t) => [t.column_name, t.column_type]))).toEqual({
      id: 'INTEGER',
      texto: 'VARCHAR',
      obligatorio: 'VARCHAR',
      n: 'INTEGER',
      grande: 'BIGINT',
      costo: 'DOUBLE',
      activo: 'BOOLEAN',
      dia: 'DATE',
      preguntas: 'VARCHAR[]',
      conversacion: 'VARCHAR',
    });
    expect(parquetMetadata(arrayBuffer(bytes)).row_groups).toHaveLength(22);
  });

  it('writes the same values uncompressed, in a larger file', async () => {
    const rows = allTypeRows(60);
    const snappy = await writeParquet(ALL_TYPES, rows, 25);
    const raw = await writeParquet(ALL_TYPES, rows, 25, 'UNCOMPRESSED');
    expect(await readWithDuckDb(raw, ['dia'])).toEqual(expected(rows, ALL_TYPES));
    expect(await readWithHyparquet(raw)).toEqual(expected(rows, ALL_TYPES));
    const codecs = await db.execute(`SELECT DISTINCT compression FROM ${onDisk(raw, 'parquet_metadata')}`);
    expect(codecs).toEqual([{ compression: 'UNCOMPRESSED' }]);
    expect(raw.length).toBeGreaterThan(snappy.length);
  });

  it('splits a long column chunk into pages of about 1 MiB and reads them back', async () => {
    // Prepare: 3 MB of text in one row group
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'conversacion', type: 'string', longText: true },
      { name: 'preguntas', type: 'string_list' },
    ];
    const rows = Array.from({ length: 600 }, (_, i) => ({
      id: i,
      conversacion: i % 50 === 0 ? null : `${i}:${'¿Cómo obtengo el certificado catastral? 🏠 '.repeat(120)}`,
      preguntas: Array.from({ length: i % 4 }, (_, k) => `${k}${'pregunta '.repeat(200)}`),
    }));

    // Act
    const bytes = await writeParquet(columns, rows, 10_000);

    // Assess
    const meta = parquetMetadata(arrayBuffer(bytes));
    const chunk = meta.row_groups[0]!.columns[1]!.meta_data!;
    expect(chunk.encoding_stats?.[0]?.count).toBeGreaterThanOrEqual(3);
    expect(Number(chunk.total_uncompressed_size)).toBeGreaterThan(3_000_000);
    expect(await readWithDuckDb(bytes)).toEqual(expected(rows, columns));
    expect(await readWithHyparquet(bytes)).toEqual(expected(rows, columns));
  });

  it('writes pages whose snappy copies reach more than 64 KiB back, which DuckDB and hyparquet read', async () => {
    // Prepare: 100 KB texts of random letters; every third repeats the text two rows before
    let seed = 1;
    const letters = (n: number) =>
      Array.from({ length: n }, () => {
        seed = (Math.imul(seed, 1103515245) + 12345) | 0;
        return String.fromCharCode(97 + ((seed >>> 24) % 26));
      }).join('');
    const texts: string[] = [];
    for (let i = 0; i < 9; i++) texts.push(i % 3 === 2 ? texts[i - 2]! : letters(100_000));
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'conversacion', type: 'string', longText: true },
    ];
    const rows = texts.map((conversacion, id) => ({ id, conversacion }));

    // Act
    const bytes = await writeParquet(columns, rows, 100);

    // Assess: the repeats were copied (the chunk is about 2/3 of the text), and read back whole
    const chunk = parquetMetadata(arrayBuffer(bytes)).row_groups[0]!.columns[1]!.meta_data!;
    expect(Number(chunk.total_compressed_size)).toBeLessThan(0.75 * Number(chunk.total_uncompressed_size));
    expect(await readWithDuckDb(bytes)).toEqual(rows);
    expect(await readWithHyparquet(bytes)).toEqual(rows);
  });

  it('writes a valid file with the full schema and no rows', async () => {
    const bytes = await writeParquet(ALL_TYPES, [], 10);
    expect(await db.execute(`SELECT * FROM ${onDisk(bytes)}`)).toEqual([]);
    const types = await db.execute(`DESCRIBE SELECT * FROM ${onDisk(bytes)}`);
    expect(types.map((t) => t.column_name)).toEqual(ALL_TYPES.map((c) => c.name));
    expect(await readWithHyparquet(bytes)).toEqual([]);
  });

  it('writes dates from year 1 to 9999, leap days included, as DATE', async () => {
    const days = ['0001-01-01', '1582-10-15', '1900-02-28', '1969-12-31', '1970-01-01', '2000-02-29', '2024-02-29'];
    days.push('2025-03-01', '2100-03-01', '9999-12-31');
    const rows = days.map((dia, id) => ({ id, dia }));
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'dia', type: 'date' },
    ];
    const bytes = await writeParquet(columns, rows, 4);
    expect(await readWithDuckDb(bytes, ['dia'])).toEqual(rows);
    const back = await db.execute(`SELECT (dia - DATE '1970-01-01')::INTEGER AS d FROM ${onDisk(bytes)} ORDER BY id`);
    expect(back.map((r) => r.d)).toEqual(days.map((d) => Date.parse(`${d}T00:00:00Z`) / 86_400_000));
  });

  it('writes statistics equal to those hyparquet-writer wrote for the same rows (null count added on long text)', async () => {
    // Prepare: long strings (truncated bounds), code points at the truncation boundary, signed zeros, NaN
    const rows: Row[] = allTypeRows(120).map((r, i) => ({
      ...r,
      texto: i % 6 === 0 ? `${'zzzzzzzzzzzzzzz'}${'ÿ'.repeat(3)}${i}` : r.texto,
      obligatorio: i % 10 === 0 ? `${'a'.repeat(15)}😀tail` : r.obligatorio,
    }));
    const columns = ALL_TYPES.filter((c) => c.type !== 'boolean');
    const statsOf = async (bytes: Buffer) =>
      db.execute(
        `SELECT row_group_id, path_in_schema, stats_min_value, stats_max_value, stats_null_count, num_values
         FROM ${onDisk(bytes, 'parquet_metadata')} ORDER BY row_group_id, column_id`,
      );

    // Act
    const ours = await statsOf(await writeParquet(columns, rows, 40));
    const theirs = await statsOf(await writeWithHyparquetWriter(columns, rows, 40));

    // Assess
    expect(ours).toHaveLength(theirs.length);
    ours.forEach((s, i) => {
      const t = theirs[i]!;
      if (s.path_in_schema === 'conversacion') {
        expect({ ...s, stats_null_count: null }).toEqual(t);
        expect(Number(s.stats_null_count)).toBe(
          rows
            .slice(Number(s.row_group_id) * 40, Number(s.row_group_id) * 40 + 40)
            .filter((r) => r.conversacion === null).length,
        );
      } else expect(s).toEqual(t);
    });
  });

  it('keeps the min/max of a column chunk of several pages (bounds seen on the first page)', async () => {
    // Prepare: the smallest and largest values come first; 2.4 MB more text fills later pages
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'texto', type: 'string' },
      { name: 'preguntas', type: 'string_list' },
    ];
    const rows: Row[] = [
      { id: 0, texto: `AAAA ${'a'.repeat(3000)}`, preguntas: ['¿'.repeat(30)] },
      { id: 1, texto: `zzzz ${'z'.repeat(3000)}`, preguntas: ['!'] },
      ...Array.from({ length: 800 }, (_, i) => ({
        id: i + 2,
        texto: `m${i} ${'ñ'.repeat(1500)}`,
        preguntas: [`p${i} ${'x'.repeat(1500)}`],
      })),
    ];

    // Act
    const ours = await writeParquet(columns, rows, 10_000);
    const theirs = await writeWithHyparquetWriter(columns, rows, 10_000);

    // Assess
    const stats = (bytes: Buffer) =>
      db.execute(
        `SELECT path_in_schema, stats_min_value, stats_max_value FROM ${onDisk(bytes, 'parquet_metadata')} ORDER BY column_id`,
      );
    const got = await stats(ours);
    expect(got).toEqual(await stats(theirs));
    expect(got[1]).toEqual({
      path_in_schema: 'texto',
      stats_min_value: 'AAAA aaaaaaaaaaa',
      stats_max_value: 'zzzz zzzzzzzzzz{',
    });
    expect(got[2]?.stats_min_value).toBe('!');
    const meta = parquetMetadata(arrayBuffer(ours)).row_groups[0]!.columns;
    expect(meta[1]!.meta_data!.encoding_stats?.[0]?.count).toBeGreaterThanOrEqual(2);
    expect(meta[2]!.meta_data!.encoding_stats?.[0]?.count).toBeGreaterThanOrEqual(2);
  });

  it('keeps exact min/max of short values per row group', async () => {
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'ciudad', type: 'string' },
      { name: 'dia', type: 'date' },
      { name: 'costo', type: 'double' },
      { name: 'activo', type: 'boolean' },
    ];
    const rows = [
      { id: 1, ciudad: 'Bogotá', dia: '2025-08-04', costo: 0.5, activo: true },
      { id: 2, ciudad: 'BOGOTÁ', dia: null, costo: -0, activo: true },
      { id: 3, ciudad: 'bogota d.c', dia: '2025-12-31', costo: Number.NaN, activo: true },
      { id: 4, ciudad: null, dia: null, costo: null, activo: null },
      { id: 5, ciudad: 'Zipaquirá', dia: '2025-01-01', costo: 3, activo: false },
    ];
    const bytes = await writeParquet(columns, rows, 3);
    const stats = await db.execute(
      `SELECT row_group_id::INTEGER AS g, path_in_schema AS c, stats_min_value AS min, stats_max_value AS max,
              stats_null_count::INTEGER AS nulls
       FROM ${onDisk(bytes, 'parquet_metadata')} WHERE column_id > 0 ORDER BY g, column_id`,
    );
    expect(stats).toEqual([
      { g: 0, c: 'ciudad', min: 'BOGOTÁ', max: 'bogota d.c', nulls: 0 },
      { g: 0, c: 'dia', min: '2025-08-04', max: '2025-12-31', nulls: 1 },
      { g: 0, c: 'costo', min: '-0.0', max: '0.5', nulls: 0 },
      { g: 0, c: 'activo', min: 'true', max: 'true', nulls: 0 },
      { g: 1, c: 'ciudad', min: 'Zipaquirá', max: 'Zipaquirá', nulls: 1 },
      { g: 1, c: 'dia', min: '2025-01-01', max: '2025-01-01', nulls: 1 },
      { g: 1, c: 'costo', min: '3.0', max: '3.0', nulls: 1 },
      { g: 1, c: 'activo', min: 'false', max: 'false', nulls: 1 },
    ]);
  });

  it.each([
    ['a number in a string column', { texto: 5 }, /column texto: not a string \(number\)/],
    ['null in a required column', { obligatorio: null }, /column obligatorio is required/],
    ['a missing required column', { obligatorio: undefined }, /column obligatorio is required/],
    ['a fraction in an int32 column', { n: 1.5 }, /column n: not an int32/],
    ['2^31 in an int32 column', { n: 2 ** 31 }, /column n: not an int32/],
    ['a fraction in an int64 column', { grande: 0.5 }, /column grande: not an int64/],
    ['2^63 in an int64 column', { grande: 2n ** 63n }, /column grande: not an int64/],
    ['text in a double column', { costo: '1' }, /column costo: not a number \(string\)/],
    ['a number in a boolean column', { activo: 1 }, /column activo: not a boolean/],
    ['an impossible date', { dia: '2025-02-30' }, /column dia: not a YYYY-MM-DD date/],
    ['month 13', { dia: '2025-13-01' }, /column dia: not a YYYY-MM-DD date/],
    ['a date without padding', { dia: '2025-1-01' }, /column dia: not a YYYY-MM-DD date/],
    ['a date as a number', { dia: 20250101 }, /column dia: not a YYYY-MM-DD date \(number\)/],
    ['a list holding a number', { preguntas: ['a', 1] }, /column preguntas: not an array of strings/],
    ['text in a list column', { preguntas: 'a' }, /column preguntas: not a list/],
  ])('rejects %s with a TypeError naming the column, before buffering anything', async (_case, bad, message) => {
    // Prepare
    const [first, second, third] = allTypeRows(3) as [Row, Row, Row];
    const { sink, bytes } = collect();
    const w = new ParquetRowWriter(ALL_TYPES, sink, 2);

    // Act
    await w.write(first);
    const failed = w.write({ ...second, ...bad });
    await expect(failed).rejects.toThrow(TypeError);
    await expect(failed).rejects.toThrow(message);
    await w.write(third);
    await w.close();

    // Assess: the file holds the two good rows, whole
    expect(w.rows).toBe(2);
    const want = expected([first, third], ALL_TYPES);
    expect(await readWithDuckDb(bytes(), ['dia'])).toEqual(want);
    expect(await readWithHyparquet(bytes())).toEqual(want);
  });

  it('never puts the rejected value in the error message', async () => {
    const w = new ParquetRowWriter(ALL_TYPES, collect().sink);
    await expect(w.write({ ...allTypeRows(1)[0], n: 'ana.perez@example.co' })).rejects.toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('ana.perez') }),
    );
  });

  it('writes a lone surrogate as U+FFFD, as a UTF-8 encoder does', async () => {
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'texto', type: 'string' },
    ];
    const bytes = await writeParquet(columns, [{ id: 0, texto: 'a\ud800b' }], 10);
    expect(await readWithDuckDb(bytes)).toEqual([{ id: 0, texto: 'a\ufffdb' }]);
  });

  it('writes a string given as UTF-8 bytes exactly as the string (statistics too); bad UTF-8 as U+FFFD', async () => {
    const rows = allTypeRows(120);
    const asBytes = rows.map((r) => ({
      ...r,
      texto: typeof r.texto === 'string' ? Buffer.from(r.texto) : r.texto,
      conversacion: typeof r.conversacion === 'string' ? new Uint8Array(Buffer.from(r.conversacion)) : r.conversacion,
    }));
    expect((await writeParquet(ALL_TYPES, asBytes, 50)).equals(await writeParquet(ALL_TYPES, rows, 50))).toBe(true);
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'texto', type: 'string' },
    ];
    const bad = Buffer.from([0x61, 0xff, 0x62, 0xe2, 0x82]); // a, a stray byte, b, a cut 3-byte sequence
    const bytes = await writeParquet(columns, [{ id: 0, texto: bad }], 10);
    expect(await readWithDuckDb(bytes)).toEqual([{ id: 0, texto: bad.toString('utf-8') }]);
    expect(bad.toString('utf-8')).toBe('a\ufffdb\ufffd');
  });

  it('writes byte-identical files for the same rows', async () => {
    const rows = allTypeRows(80);
    expect((await writeParquet(ALL_TYPES, rows, 30)).equals(await writeParquet(ALL_TYPES, rows, 30))).toBe(true);
  });

  it('reuses its buffers across many row groups without changing a chunk it already handed over', async () => {
    // Prepare: a sink that keeps a copy of every chunk as it was when handed over
    const rows = allTypeRows(400);
    const handed: Uint8Array[] = [];
    const copies: Buffer[] = [];
    const sink: ByteSink = {
      write: async (c) => {
        handed.push(c);
        copies.push(Buffer.from(c));
      },
      end: async () => undefined,
    };
    const w = new ParquetRowWriter(ALL_TYPES, sink, 7);

    // Act: 58 row groups, each reusing the pages, levels and Snappy buffers of the one before
    for (const r of rows) await w.write(r);
    await w.close();

    // Assess
    expect(handed.length).toBeGreaterThan(58 * ALL_TYPES.length);
    const changed = handed.filter((c, i) => !Buffer.from(c.buffer, c.byteOffset, c.byteLength).equals(copies[i]!));
    expect(changed.length).toBe(0);
    const bytes = Buffer.concat(copies);
    expect(parquetMetadata(arrayBuffer(bytes)).row_groups).toHaveLength(58);
    expect(await readWithDuckDb(bytes, ['dia'])).toEqual(expected(rows, ALL_TYPES));
    expect(await readWithHyparquet(bytes)).toEqual(expected(rows, ALL_TYPES));
  });

  it('writes a value larger than a whole page, then smaller pages after it', async () => {
    // Prepare: a 3 MB text (one page larger than the Snappy buffer sized for a page) among short ones
    const columns: ParquetColumn[] = [
      { name: 'id', type: 'int32', required: true },
      { name: 'conversacion', type: 'string', longText: true },
    ];
    let seed = 7;
    const big = Array.from({ length: 3_000_000 }, () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return String.fromCharCode(97 + ((seed >>> 24) % 26));
    }).join('');
    const rows = [
      { id: 0, conversacion: 'corta' },
      { id: 1, conversacion: big },
      { id: 2, conversacion: `ñ${big.slice(0, 1000)}` },
    ];

    // Act
    const bytes = await writeParquet(columns, rows, 10);

    // Assess
    const chunk = parquetMetadata(arrayBuffer(bytes)).row_groups[0]!.columns[1]!.meta_data!;
    expect(chunk.encoding_stats?.[0]?.count).toBe(2);
    expect(await readWithDuckDb(bytes)).toEqual(rows);
    expect(await readWithHyparquet(bytes)).toEqual(rows);
  });

  it("keeps transform's schema: the same Parquet schema hyparquet-writer wrote, read by DuckDB as before", async () => {
    const ours = await writeParquet(PARQUET_COLUMNS, [], 10);
    const theirs = await writeWithHyparquetWriter(PARQUET_COLUMNS, [], 10);
    const schema = (b: Buffer) => parquetMetadata(arrayBuffer(b)).schema;
    expect(schema(ours)).toEqual(schema(theirs));
    const types = await db.execute(`DESCRIBE SELECT * FROM ${onDisk(ours)}`);
    expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toEqual([
      'usuario_id VARCHAR',
      'nombre VARCHAR',
      'email VARCHAR',
      'gerencia VARCHAR',
      'ciudad VARCHAR',
      'fecha_primera_conversacion DATE',
      'fecha_ultima_conversacion DATE',
      'numero_conversaciones INTEGER',
      'numero_mensajes INTEGER',
      'lista_preguntas VARCHAR[]',
      'feedback_likes INTEGER',
      'feedback_dislikes INTEGER',
      'feedback_ultima_respuesta VARCHAR',
      'comentarios_feedback VARCHAR[]',
      'conversacion_completa VARCHAR',
      'tokens_pregunta BIGINT',
      'tokens_respuesta BIGINT',
      'tokens_total BIGINT',
      'costo_estimado_usd DOUBLE',
      'metodo_tokens VARCHAR',
      'modelo_precio VARCHAR',
    ]);
  });
});
