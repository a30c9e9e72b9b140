import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { charsPer4, MemoryObjectStore, MemorySource, PriceTable, readCsv } from '@catia/shared';
import { runArchival } from '../../src/tokens/pipeline';

const DIR = join(__dirname, '..', 'fixtures');
const cases = readdirSync(DIR)
  .filter((f) => f.endsWith('.input.json'))
  .map((f) => f.replace('.input.json', ''));

describe('tokens golden fixtures', () => {
  it('covers the version timeline', () => {
    expect(cases.length).toBeGreaterThanOrEqual(11);
  });

  it.each(cases)('%s', async (name) => {
    const input = JSON.parse(readFileSync(join(DIR, `${name}.input.json`), 'utf-8'));
    const expected = JSON.parse(readFileSync(join(DIR, `${name}.expected.json`), 'utf-8'));
    const store = new MemoryObjectStore('reports');
    const large = new MemoryObjectStore('large');
    for (const [k, v] of Object.entries(input.largeMessages ?? {})) await large.write(k, v as string);

    const summary = await runArchival({
      source: new MemorySource(input.items),
      largeMessages: large,
      store,
      prices: PriceTable.load(),
      count: charsPer4,
      method: 'chars/4',
      defaultModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
      window: input.window,
      oldDataPrefix: 'archival/tokens-analysis/',
      rejectsPrefix: 'archival/tokens-analysis-rejects/',
    });

    const rows: Record<string, string>[] = [];
    for await (const r of readCsv(Readable.from([(await store.readText(summary.outputKey)) as string]))) rows.push(r);
    expect(rows).toHaveLength(expected.rows.length);
    expected.rows.forEach((exp: Record<string, string>, i: number) => {
      for (const [k, v] of Object.entries(exp)) expect({ [k]: rows[i]?.[k] }).toEqual({ [k]: v });
    });
    expect(summary).toMatchObject(expected.summary);
    const rejects = ((await store.readText(summary.rejectsKey)) as string)
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    expect(rejects).toHaveLength(summary.rejected);
    if (expected.rejects) expect(rejects).toEqual(expected.rejects);
  });
});
