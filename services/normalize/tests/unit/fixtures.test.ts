import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MemoryObjectStore, MemorySource, readCsv } from '@catia/shared';
import { loadNormalizeConfig } from '../../src/normalize/config';
import { CSV_COLUMNS, runNormalize } from '../../src/normalize/pipeline';

const DIR = join(__dirname, '..', 'fixtures');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.replace('.input.json', ''));

interface Input {
  items: Record<string, unknown>[];
  runDate: string;
  config?: Record<string, string>;
}
interface Expected {
  rows: Record<string, string>[];
  summary: Record<string, unknown>;
}

describe('normalize golden fixtures', () => {
  it('has cases to run', () => {
    expect(cases.length).toBeGreaterThanOrEqual(8);
  });

  it.each(cases)('%s', async (name) => {
    const input = JSON.parse(readFileSync(join(DIR, `${name}.input.json`), 'utf-8')) as Input;
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf-8')) as Expected;
    const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b', ...input.config });
    const store = new MemoryObjectStore('b');

    const summary = await runNormalize({
      source: new MemorySource(input.items),
      store,
      config,
      runDate: input.runDate,
    });

    const csv = (await store.readText(summary.outputKey)) as string;
    const rows: Record<string, string>[] = [];
    for await (const r of readCsv(Readable.from([csv]), CSV_COLUMNS)) rows.push(r);
    expect(rows.map((r) => r.usuario_id)).toEqual(expected.rows.map((r) => r.usuario_id));
    expected.rows.forEach((exp, i) => {
      const got = rows[i] as Record<string, string>;
      for (const [k, v] of Object.entries(exp)) expect({ [k]: got[k] }).toEqual({ [k]: v });
    });
    expect(summary).toMatchObject(expected.summary);
    expect(summary.scanned).toBe(
      summary.written + Object.values(summary.filtered).reduce((a, b) => a + b, 0) + summary.rejected,
    );
    const rejects = ((await store.readText(summary.rejectsKey)) ?? '').split('\n').filter(Boolean);
    expect(rejects).toHaveLength(summary.rejected);
  });
});

describe('normalize outputs', () => {
  it('writes the QuickSight manifest pointing at the CSV', async () => {
    const store = new MemoryObjectStore('reports');
    const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'reports' });
    const s = await runNormalize({ source: new MemorySource([]), store, config, runDate: '2025-09-30' });
    const manifest = JSON.parse((await store.readText(s.manifestKey)) as string);
    expect(manifest.fileLocations[0].URIs).toEqual(['s3://reports/reports/etl-process1/data_20250930.csv']);
    expect(manifest.globalUploadSettings).toMatchObject({ format: 'CSV', containsHeader: 'true' });
    expect(await store.readText(s.outputKey)).toBe(`${CSV_COLUMNS.join(',')}\r\n`);
  });

  it('rejects with keys and reason only, never message text', async () => {
    const store = new MemoryObjectStore('b');
    const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b' });
    const secret = 'texto privado del ciudadano';
    const s = await runNormalize({
      source: new MemorySource([
        { PK: 'USER#x', SK: 'CONVERSATION#1', Conversation: `[{'from': 'user', 'text': '${secret}'` },
      ]),
      store,
      config,
      runDate: '2025-09-30',
    });
    const rejects = (await store.readText(s.rejectsKey)) as string;
    expect(JSON.parse(rejects)).toEqual({ keys: { PK: 'USER#x', SK: 'CONVERSATION#1' }, reason: expect.any(String) });
    expect(rejects).not.toContain(secret);
  });

  it.each([
    [{ CATIA_TABLE_NAME: '' }, 'CATIA_TABLE_NAME'],
    [{ REPORTS_BUCKET: undefined }, 'REPORTS_BUCKET'],
    [{ FILTER_DATE_START: '2025-13-01' }, 'FILTER_DATE_START'],
    [{ FILTER_DATE_END: '2025-01-01' }, 'FILTER_DATE_END'],
    [{ SCAN_SEGMENTS: 'x' }, 'SCAN_SEGMENTS'],
  ])('fails configuration naming the bad setting %#', (override, name) => {
    expect(() => loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b', ...override })).toThrow(name);
  });
});
