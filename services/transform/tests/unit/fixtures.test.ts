import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createTokenCounter, InputError, MemoryObjectStore, PriceTable, readCsv } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { loadTransformConfig } from '../../src/transform/config';
import { PARQUET_COLUMNS, runTransform } from '../../src/transform/pipeline';

const DIR = join(__dirname, '..', 'fixtures');
const INPUT_KEY = 'reports/etl-process1/data_20251231.csv';
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.csv'))
  .map((f) => f.replace('.input.csv', ''));

interface Expected {
  rows: Record<string, unknown>[];
  summary: Record<string, unknown>;
  rejects?: string[];
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

/** CSV → pipeline (MemoryObjectStore, chars/4) → Parquet in a temp file → DuckDB view `data`. */
async function transformCsv(csv: string | Buffer, prices = PriceTable.load(), store = new MemoryObjectStore('b')) {
  await store.write(INPUT_KEY, csv);
  const config = loadTransformConfig({ REPORTS_BUCKET: 'b', TRANSFORM_TOKENIZER: 'chars/4' });
  const summary = await runTransform({
    store,
    config,
    key: INPUT_KEY,
    prices,
    countTokens: await createTokenCounter('chars/4'),
    rowGroupSize: 3,
  });
  const dir = mkdtempSync(join(tmpdir(), 'transform-'));
  tempDirs.push(dir);
  writeFileSync(join(dir, 'data.parquet'), store.objects.get(summary.outputKey)?.bytes ?? Buffer.alloc(0));
  const db = await DuckDbEngine.create(async () => join(dir, 'data.parquet'));
  await db.publish('data', 's3://b/reports/etl-process2/data.parquet');
  return { store, summary, db };
}

const plain = (v: unknown): unknown => (typeof v === 'bigint' ? Number(v) : v);

async function readBack(db: DuckDbEngine) {
  return db.execute(
    `SELECT * REPLACE (CAST(fecha_primera_conversacion AS VARCHAR) AS fecha_primera_conversacion,
                       CAST(fecha_ultima_conversacion AS VARCHAR) AS fecha_ultima_conversacion)
     FROM data ORDER BY usuario_id`,
  );
}

async function csvRows(csv: Buffer): Promise<Map<string, Record<string, string>>> {
  const rows = new Map<string, Record<string, string>>();
  for await (const r of readCsv(Readable.from([csv]))) rows.set(r.usuario_id ?? '', r);
  return rows;
}

describe('transform golden fixtures (CSV → Parquet, read back through DuckDB)', () => {
  it.each(cases)('%s', async (name) => {
    // Prepare
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf-8')) as Expected;
    const input = readFileSync(join(DIR, `${name}.input.csv`));

    // Act
    const { store, summary, db } = await transformCsv(input);
    const rows = await readBack(db);
    db.close();

    // Assess: the rows and the listed typed values
    expect(rows.map((r) => r.usuario_id)).toEqual(expected.rows.map((r) => r.usuario_id));
    expected.rows.forEach((exp, i) => {
      for (const [k, v] of Object.entries(exp)) {
        const got = plain(rows[i]?.[k]);
        if (k === 'costo_estimado_usd') expect(got).toBeCloseTo(v as number, 15);
        else expect({ [k]: got }).toEqual({ [k]: v });
      }
    });
    // Every text column reads back exactly as the CSV held it
    const source = await csvRows(input);
    for (const r of rows) {
      const src = source.get(String(r.usuario_id));
      for (const c of ['nombre', 'email', 'gerencia', 'ciudad', 'conversacion_completa']) {
        expect({ [c]: r[c] }).toEqual({ [c]: src?.[c] });
      }
      expect(plain(r.tokens_total)).toBe((plain(r.tokens_pregunta) as number) + (plain(r.tokens_respuesta) as number));
    }
    // The summary, its balance and its totals agree with the rows
    const { costUsd, ...rest } = expected.summary;
    expect(summary).toMatchObject(rest);
    if (costUsd !== undefined) expect(summary.costUsd).toBeCloseTo(costUsd as number, 15);
    expect(summary.scanned).toBe(summary.written + summary.rejected);
    expect(summary.written).toBe(rows.length);
    const sumCost = rows.reduce((n, r) => n + (r.costo_estimado_usd as number), 0);
    expect(summary.costUsd).toBeCloseTo(sumCost, 12);
    expect(summary.tokens.total).toBe(rows.reduce((n, r) => n + (plain(r.tokens_total) as number), 0));
    // Rejections: keys and a reason, never text
    if (expected.rejects) {
      const lines = ((await store.readText(summary.rejectsKey as string)) as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { keys: Record<string, string>; reason: string });
      expect(lines.map((l) => l.keys.usuario_id).sort()).toEqual(expected.rejects);
      for (const l of lines) {
        expect(Object.keys(l).sort()).toEqual(['keys', 'reason']);
        expect(Object.keys(l.keys)).toEqual(['usuario_id']);
        expect(l.reason).not.toMatch(/hola|ayer/);
      }
    } else {
      // The rejects file is still written (empty), so a re-run never leaves a stale list behind.
      expect(await store.readText(summary.rejectsKey)).toBe('');
    }
  });
});

describe('transform output schema', () => {
  const EXPECTED_TYPES = {
    usuario_id: 'VARCHAR',
    nombre: 'VARCHAR',
    email: 'VARCHAR',
    gerencia: 'VARCHAR',
    ciudad: 'VARCHAR',
    fecha_primera_conversacion: 'DATE',
    fecha_ultima_conversacion: 'DATE',
    numero_conversaciones: 'INTEGER',
    numero_mensajes: 'INTEGER',
    lista_preguntas: 'VARCHAR[]',
    feedback_likes: 'INTEGER',
    feedback_dislikes: 'INTEGER',
    feedback_ultima_respuesta: 'VARCHAR',
    comentarios_feedback: 'VARCHAR[]',
    conversacion_completa: 'VARCHAR',
    tokens_pregunta: 'BIGINT',
    tokens_respuesta: 'BIGINT',
    tokens_total: 'BIGINT',
    costo_estimado_usd: 'DOUBLE',
    metodo_tokens: 'VARCHAR',
    modelo_precio: 'VARCHAR',
  };

  it.each([
    ['a header-only CSV', readFileSync(join(DIR, 'empty.input.csv'))],
    ['a zero-byte CSV', ''],
    ['rows', readFileSync(join(DIR, 'awkward-texts.input.csv'))],
  ])('types every column for Athena and DuckDB, in order, from %s', async (_label, csv) => {
    const { db, summary } = await transformCsv(csv);
    const described = await db.execute('DESCRIBE data');
    db.close();
    expect(described.map((r) => [r.column_name, r.column_type])).toEqual(Object.entries(EXPECTED_TYPES));
    expect(PARQUET_COLUMNS.map((c) => c.name)).toEqual(Object.keys(EXPECTED_TYPES));
    expect(summary.scanned).toBe(summary.written + summary.rejected);
  });

  it('unnests the question lists without splitting on | or newlines', async () => {
    const { db } = await transformCsv(readFileSync(join(DIR, 'awkward-texts.input.csv')));
    const q = await db.execute(
      `SELECT usuario_id, count(*)::INTEGER AS n,
              count(*) FILTER (WHERE p = 'uno | dos')::INTEGER AS pipe,
              count(*) FILTER (WHERE p = 'línea 1' || chr(10) || 'línea 2')::INTEGER AS nl
       FROM (SELECT usuario_id, unnest(lista_preguntas) AS p FROM data) GROUP BY usuario_id ORDER BY usuario_id`,
    );
    db.close();
    expect(q).toEqual([
      { usuario_id: 't', n: 12, pipe: 1, nl: 1 },
      { usuario_id: 'u2', n: 1, pipe: 0, nl: 0 },
    ]);
  });

  it('keeps feedback_ultima_respuesta to like, dislike, mixed or null', async () => {
    const { db } = await transformCsv(readFileSync(join(DIR, 'awkward-texts.input.csv')));
    const labels = await db.execute('SELECT DISTINCT feedback_ultima_respuesta AS l FROM data ORDER BY l');
    db.close();
    for (const r of labels) expect(['like', 'dislike', 'mixed', null]).toContain(r.l);
  });
});

describe('transform failures', () => {
  it('fails with an InputError naming a missing required column', async () => {
    const err = await transformCsv('usuario_id,nombre\r\nu,N\r\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).name).toBe('InputError');
    expect((err as Error).message).toContain('"email"');
  });

  it('names the first missing column even when only the last one is absent', async () => {
    const header = readFileSync(join(DIR, 'empty.input.csv'), 'utf-8').replace(',conversacion_completa', '');
    await expect(transformCsv(header)).rejects.toThrow('"conversacion_completa"');
  });

  it('fails with an InputError on a CSV whose quotes never close', async () => {
    const header = readFileSync(join(DIR, 'empty.input.csv'), 'utf-8').trimEnd();
    const err = await transformCsv(`${header}\r\nu,"sin cerrar\r\n`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
  });

  it('leaves the previous Parquet in place when the CSV fails', async () => {
    const store = new MemoryObjectStore('b');
    await store.write('reports/etl-process2/data.parquet', 'previous');
    await expect(transformCsv('usuario_id\r\nx\r\n', PriceTable.load(), store)).rejects.toThrow(InputError);
    expect(await store.readText('reports/etl-process2/data.parquet')).toBe('previous');
  });

  it('rejects a row whose conversation date has no price, instead of pricing it at zero', async () => {
    const prices = PriceTable.load(
      JSON.stringify({
        version: 'solo-2025',
        currency: 'USD',
        unit: 'per 1M tokens',
        models: [
          {
            id: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
            prices: [{ from: '2025-01-01', to: '2025-11-30', regional: { input: 1, output: 2 } }],
          },
        ],
      }),
    );
    const { summary, db, store } = await transformCsv(readFileSync(join(DIR, 'price-by-date.input.csv')), prices);
    const rows = await db.execute('SELECT usuario_id, costo_estimado_usd AS c FROM data');
    db.close();
    // 100 user tokens × $1 + 200 bot tokens × $2 per 1M, at the user table's own rates
    expect(rows).toEqual([{ usuario_id: 'before', c: 0.0005 }]);
    expect(summary).toMatchObject({ scanned: 2, written: 1, rejected: 1, priceTableVersion: 'solo-2025' });
    expect(await store.readText(summary.rejectsKey as string)).toBe(
      `${JSON.stringify({ keys: { usuario_id: 'after' }, reason: 'no price for anthropic.claude-3-5-sonnet-20241022-v2:0 on 2025-12-01' })}\n`,
    );
  });
});
