import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTokenCounter, InputError, MemoryObjectStore, PriceTable } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { loadTransformConfig } from '../../src/transform/config';
import { runTransform } from '../../src/transform/pipeline';

const DIR = join(__dirname, '..', 'fixtures');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.csv'))
  .map((f) => f.replace('.input.csv', ''));

async function transformCsv(csv: string | Buffer) {
  const store = new MemoryObjectStore('b');
  await store.write('reports/etl-process1/data_20251231.csv', csv);
  const config = loadTransformConfig({ REPORTS_BUCKET: 'b', TRANSFORM_TOKENIZER: 'chars/4' });
  const summary = await runTransform({
    store,
    config,
    key: 'reports/etl-process1/data_20251231.csv',
    prices: PriceTable.load(),
    countTokens: await createTokenCounter('chars/4'),
  });
  const dir = mkdtempSync(join(tmpdir(), 'transform-'));
  writeFileSync(join(dir, 'data.parquet'), store.objects.get(summary.outputKey)?.bytes ?? Buffer.alloc(0));
  const db = await DuckDbEngine.create(async () => join(dir, 'data.parquet'));
  await db.publish('data', 's3://b/reports/etl-process2/');
  return { store, summary, db };
}

describe('transform golden fixtures', () => {
  it.each(cases)('%s', async (name) => {
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf-8'));
    const { store, summary, db } = await transformCsv(readFileSync(join(DIR, `${name}.input.csv`)));
    const rows = await db.execute(
      'SELECT * REPLACE (CAST(fecha_primera_conversacion AS VARCHAR) AS fecha_primera_conversacion) FROM data ORDER BY usuario_id',
    );
    expect(rows.map((r) => r.usuario_id)).toEqual(expected.rows.map((r: { usuario_id: string }) => r.usuario_id));
    expected.rows.forEach((exp: Record<string, unknown>, i: number) => {
      for (const [k, v] of Object.entries(exp)) {
        const got = rows[i]?.[k];
        if (k === 'costo_estimado_usd') expect(got).toBeCloseTo(v as number, 12);
        else expect({ [k]: typeof got === 'bigint' ? Number(got) : got }).toEqual({ [k]: v });
      }
    });
    expect(summary).toMatchObject(expected.summary);
    if (expected.rejects) {
      const lines = ((await store.readText(summary.rejectsKey)) as string)
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.keys.usuario_id).sort()).toEqual(expected.rejects);
      for (const l of lines) expect(l.reason).toMatch(/\w/);
    }
    db.close();
  });

  it('types every column for Athena and DuckDB', async () => {
    const { db } = await transformCsv(readFileSync(join(DIR, 'empty.input.csv')));
    const types = Object.fromEntries((await db.execute('DESCRIBE data')).map((r) => [r.column_name, r.column_type]));
    expect(types).toMatchObject({
      usuario_id: 'VARCHAR',
      fecha_primera_conversacion: 'DATE',
      fecha_ultima_conversacion: 'DATE',
      numero_conversaciones: 'INTEGER',
      numero_mensajes: 'INTEGER',
      lista_preguntas: 'VARCHAR[]',
      comentarios_feedback: 'VARCHAR[]',
      conversacion_completa: 'VARCHAR',
      tokens_pregunta: 'BIGINT',
      tokens_total: 'BIGINT',
      costo_estimado_usd: 'DOUBLE',
    });
    expect(Object.keys(types)).toHaveLength(21);
    db.close();
  });

  it('unnests the question lists', async () => {
    const { db } = await transformCsv(readFileSync(join(DIR, 'awkward-texts.input.csv')));
    const q = await db.execute(
      "SELECT count(*)::INTEGER AS n FROM (SELECT unnest(lista_preguntas) AS p FROM data) WHERE p = 'uno | dos'",
    );
    expect(q[0]?.n).toBe(1);
    db.close();
  });

  it('fails naming a missing required column', async () => {
    const err = await transformCsv('usuario_id,nombre\r\nu,N\r\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain('"email"');
  });

  it('treats a zero-byte CSV as empty', async () => {
    const { summary } = await transformCsv('');
    expect(summary).toMatchObject({ scanned: 0, written: 0, rejected: 0 });
  });

  it.each([
    [{ REPORTS_BUCKET: '' }, 'REPORTS_BUCKET'],
    [{ CATIA_MODEL_ID: 'claude-vX-inexistente' }, 'CATIA_MODEL_ID'],
    [{ TRANSFORM_TOKENIZER: 'p50k' }, 'TRANSFORM_TOKENIZER'],
  ])('fails configuration naming the bad setting %#', (override, name) => {
    expect(() => loadTransformConfig({ REPORTS_BUCKET: 'b', ...override })).toThrow(name);
  });
});
