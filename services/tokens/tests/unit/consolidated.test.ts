import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { charsPer4, type Logger, MemoryObjectStore, MemorySource, PriceTable, readCsv } from '@catia/shared';
import { DuckDbEngine } from '@catia/shared/duckdb';
import { ARCHIVAL_FILE, runArchival, runConsolidated } from '../../src/tokens/pipeline';

const mm = (text: string, model = 'claude-v3.7-sonnet') =>
  JSON.stringify({
    system: {
      role: 'system',
      content: [{ content_type: 'text', body: '' }],
      model,
      children: ['u'],
      parent: null,
      create_time: 1.7e12,
    },
    u: {
      role: 'user',
      content: [{ content_type: 'text', body: text }],
      model,
      children: ['a'],
      parent: 'system',
      create_time: 1.7e12,
    },
    a: {
      role: 'assistant',
      content: [{ content_type: 'text', body: `${text} respuesta` }],
      model,
      children: [],
      parent: 'u',
      create_time: 1.7e12,
    },
  });
const conv = (uid: string, id: string, createMs: number, text: string) => ({
  PK: uid,
  SK: `${uid}#CONV#${id}`,
  CreateTime: createMs,
  MessageMap: mm(text),
  TotalPrice: 0.01,
});
const JAN_2026 = Date.parse('2026-01-10T15:00:00Z');
const JUN_2025 = Date.parse('2025-06-10T15:00:00Z');

function deps(store: MemoryObjectStore, items: Record<string, unknown>[]) {
  return {
    source: new MemorySource(items),
    largeMessages: new MemoryObjectStore('large'),
    store,
    prices: PriceTable.load(),
    count: charsPer4,
    method: 'chars/4' as const,
    defaultModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    oldDataPrefix: 'archival/tokens-analysis/',
    rejectsPrefix: 'archival/tokens-analysis-rejects/',
  };
}

async function storeOf(text: string) {
  const store = new MemoryObjectStore('o');
  await store.write('o', text);
  return store;
}

async function rowsOf(store: MemoryObjectStore, key: string) {
  const rows: Record<string, string>[] = [];
  for await (const r of readCsv(Readable.from([(await store.readText(key)) as string]))) rows.push(r);
  return rows;
}

describe('consolidated', () => {
  it('keeps each (pk, sk) once, the new table winning, and counts the duplicates', async () => {
    const store = new MemoryObjectStore('reports');
    await runArchival({
      ...deps(store, [conv('u1', 'A', JUN_2025, 'viejo'), conv('u1', 'B', JAN_2026 - 864e5 * 20, 'copiada en v3')]),
      window: { start: '2025-01-01', end: '2025-12-31' },
    });
    const summary = await runConsolidated({
      ...deps(store, [conv('u1', 'B', JAN_2026, 'copiada en v3, ya continuada'), conv('u2', 'C', JAN_2026, 'nuevo')]),
      window: { start: '2025-12-01' },
      outputPrefix: 'tokens-analysis/',
      outputRejectsPrefix: 'tokens-analysis-rejects/',
    });
    expect(summary.historical).toMatchObject({ found: true, rows: 2, kept: 1, duplicatesDropped: 1 });
    const rows = await rowsOf(store, summary.outputKey);
    expect(rows.map((r) => [r.sk, r.source])).toEqual([
      ['u1#CONV#A', 'old_table'],
      ['u1#CONV#B', 'new_table'],
      ['u2#CONV#C', 'new_table'],
    ]);
    expect(Object.keys(rows[0] as object).slice(0, 9)).toEqual([
      'create_date',
      'input_token',
      'output_token',
      'precio_token_input',
      'precio_token_output',
      'total_price',
      'pk',
      'sk',
      'source',
    ]);
  });

  it('continues with the new table alone when the archival CSV is missing, and says so', async () => {
    const store = new MemoryObjectStore('reports');
    const summary = await runConsolidated({
      ...deps(store, [conv('u2', 'C', JAN_2026, 'nuevo')]),
      window: { start: '2026-01-01' },
      outputPrefix: 'tokens-analysis/',
      outputRejectsPrefix: 'tokens-analysis-rejects/',
    });
    expect(summary.historical).toMatchObject({ found: false, rows: 0 });
    expect(summary.rowsWritten).toBe(1);
  });

  it('gives the same bytes and counts whether the archival CSV is in output order (merged) or not (sorted)', async () => {
    // Prepare: 300 old conversations, a third of them also in the new table (some continued later).
    const old: Record<string, unknown>[] = [];
    const fresh: Record<string, unknown>[] = [];
    for (let i = 0; i < 300; i++) {
      const day = JUN_2025 + (i % 40) * 864e5;
      old.push(conv(`u${i % 17}`, `C${i}`, day, `viejo ${i}`));
      if (i % 3 === 0) fresh.push(conv(`u${i % 17}`, `C${i}`, i % 2 ? day : JAN_2026, `copiada ${i}`));
    }
    for (let i = 0; i < 100; i++) fresh.push(conv(`n${i % 7}`, `N${i}`, JUN_2025 + (i % 50) * 864e5, `nueva ${i}`));
    const run = async (shuffle: boolean) => {
      const store = new MemoryObjectStore('reports');
      await runArchival({ ...deps(store, old), window: { start: '2025-01-01', end: '2025-12-31' } });
      const key = `archival/tokens-analysis/${ARCHIVAL_FILE}`;
      if (shuffle) {
        const [header, ...lines] = ((await store.readText(key)) as string).split('\r\n').slice(0, -1);
        lines.reverse();
        await store.write(key, `${[header, ...lines].join('\r\n')}\r\n`);
      }
      const warnings: string[] = [];
      const logger = { warn: (m: string) => warnings.push(m), info: () => undefined } as unknown as Logger;
      const summary = await runConsolidated({
        ...deps(store, fresh),
        window: { start: '2025-01-01' },
        outputPrefix: 'tokens-analysis/',
        outputRejectsPrefix: 'tokens-analysis-rejects/',
        logger,
      });
      return { summary, warnings, bytes: (await store.readText(summary.outputKey)) as string };
    };
    // Act
    const merged = await run(false);
    const sorted = await run(true);
    // Assess
    expect(merged.summary.historical).toMatchObject({ found: true, rows: 300, kept: 200, duplicatesDropped: 100 });
    expect(sorted.summary.historical).toEqual(merged.summary.historical);
    expect(merged.summary.rowsWritten).toBe(400);
    expect(sorted.summary.rowsWritten).toBe(400);
    expect(merged.warnings).toEqual([]);
    expect(sorted.warnings).toEqual(['historical CSV is not in output order; sorting it in memory']);
    expect(sorted.bytes).toBe(merged.bytes);
    const rows = await rowsOf(await storeOf(merged.bytes), 'o');
    const keys = rows.map((r) => `${r.create_date}\u0000${r.pk}\u0000${r.sk}`);
    expect(keys).toEqual([...keys].sort());
    expect(rows.filter((r) => r.source === 'new_table')).toHaveLength(200);
  });

  it('fails naming the archival CSV when it lacks a column, and leaves the previous output whole', async () => {
    const store = new MemoryObjectStore('reports');
    const previous = 'salida anterior\r\n';
    await store.write(`tokens-analysis/tokens_analysis_consolidated.csv`, previous);
    await store.write(`archival/tokens-analysis/${ARCHIVAL_FILE}`, 'create_date,pk\r\n2025-01-01 00:00:00,u1\r\n');
    const run = runConsolidated({
      ...deps(store, [conv('u2', 'C', JAN_2026, 'nuevo')]),
      window: { start: '2026-01-01' },
      outputPrefix: 'tokens-analysis/',
      outputRejectsPrefix: 'tokens-analysis-rejects/',
    });
    await expect(run).rejects.toMatchObject({
      name: 'InputError',
      message: `archival/tokens-analysis/${ARCHIVAL_FILE}: CSV is missing the required column "input_token"`,
    });
    expect(await store.readText('tokens-analysis/tokens_analysis_consolidated.csv')).toBe(previous);
  });

  it('refreshes tokens_table and both views, and the original validation queries run on DuckDB', async () => {
    const store = new MemoryObjectStore('reports');
    await runArchival({
      ...deps(store, [conv('u1', 'A', JUN_2025, 'viejo')]),
      window: { start: '2025-01-01', end: '2025-12-31' },
    });
    const dir = mkdtempSync(join(tmpdir(), 'tokens-sql-'));
    const engine = await DuckDbEngine.create(async (location, format) => {
      const prefix = location.replace('s3://reports/', '');
      mkdirSync(join(dir, prefix), { recursive: true });
      for await (const o of store.list(prefix)) writeFileSync(join(dir, o.key), store.objects.get(o.key)?.bytes ?? '');
      return join(dir, prefix, `*.${format}`);
    });
    const summary = await runConsolidated({
      ...deps(store, [conv('u2', 'C', JAN_2026, 'nuevo'), conv('u3', 'D', JAN_2026, 'otro más')]),
      window: { start: '2026-01-01' },
      outputPrefix: 'tokens-analysis/',
      outputRejectsPrefix: 'tokens-analysis-rejects/',
      engine,
    });
    expect(summary.views).toEqual(['tokens_table', 'token_usage_analysis', 'token_usage_daily']);
    const bySource = await engine.execute(
      'SELECT source, COUNT(*) AS conversaciones, SUM(input_token) AS i, SUM(output_token) AS o, SUM(total_price) AS p FROM tokens_table GROUP BY source ORDER BY source',
    );
    expect(bySource.map((r) => [r.source, Number(r.conversaciones)])).toEqual([
      ['new_table', 2],
      ['old_table', 1],
    ]);
    const daily = await engine.execute(
      'SELECT CAST(dia AS VARCHAR) AS dia, source, conversaciones FROM token_usage_daily ORDER BY dia',
    );
    expect(daily.map((r) => [r.dia, r.source, Number(r.conversaciones)])).toEqual([
      ['2025-06-10', 'old_table', 1],
      ['2026-01-10', 'new_table', 2],
    ]);
    const analysis = await engine.execute('SELECT "total tokens" AS t FROM token_usage_analysis');
    expect(analysis).toHaveLength(3);
    await expect(engine.execute('SELECT * FROM no_existe')).rejects.toMatchObject({ name: 'QueryError' });
    engine.close();
  });
});
