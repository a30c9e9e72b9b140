/**
 * The hostile corpus (tests/fixtures/hostile): every case, alone and all together, through the
 * core of its stage. Each item must end exactly as its expected file says, and the rejects file
 * must list exactly the rejected keys.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { charsPer4, MemoryObjectStore, MemorySource, PriceTable, type RunSummary } from '@catia/shared';
import { loadNormalizeConfig } from '../../services/normalize/src/normalize/config';
import { runNormalize } from '../../services/normalize/src/normalize/pipeline';
import { runArchival } from '../../services/tokens/src/tokens/pipeline';

const DIR = join(__dirname, '..', 'fixtures', 'hostile');
type Case = { name: string; item: Record<string, unknown>; outcome: string };
const load = (table: string): Case[] =>
  readdirSync(join(DIR, table))
    .filter((f) => f.endsWith('.input.json'))
    .map((f) => {
      const name = f.replace('.input.json', '');
      return {
        name,
        item: JSON.parse(readFileSync(join(DIR, table, f), 'utf-8')),
        outcome: JSON.parse(readFileSync(join(DIR, table, `${name}.expected.json`), 'utf-8')).outcome,
      };
    });

async function catia(items: Record<string, unknown>[]) {
  const store = new MemoryObjectStore('b');
  const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b' });
  const summary = await runNormalize({ source: new MemorySource(items), store, config, runDate: '2025-12-31' });
  return { summary: summary as RunSummary, rejects: (await store.readText(summary.rejectsKey)) ?? '' };
}

async function bedrock(items: Record<string, unknown>[]) {
  const store = new MemoryObjectStore('b');
  const summary = await runArchival({
    source: new MemorySource(items),
    largeMessages: new MemoryObjectStore('large'),
    store,
    prices: PriceTable.load(),
    count: charsPer4,
    method: 'chars/4',
    defaultModel: 'anthropic.claude-3-5-sonnet-20241022-v2:0',
    window: { start: '2024-01-01', end: '2025-12-31' },
    oldDataPrefix: 'a/',
    rejectsPrefix: 'ar/',
  });
  return { summary: summary as RunSummary, rejects: (await store.readText(summary.rejectsKey)) ?? '' };
}

const outcomeOf = (s: RunSummary) => {
  if (s.rejected === 1) return 'rejected';
  if (s.written === 1) return 'written';
  const [reason] = Object.keys(s.filtered);
  return `filtered:${reason}`;
};

describe.each([
  ['catia', catia],
  ['bedrock', bedrock],
] as const)('hostile %s items', (table, run) => {
  const cases = load(table);

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    const { summary } = await run([c.item]);
    expect(summary.scanned).toBe(1);
    expect(outcomeOf(summary)).toBe(c.outcome);
  });

  it('accounts for the whole corpus at once and lists exactly the rejected keys', async () => {
    const { summary, rejects } = await run(cases.map((c) => c.item));
    const filtered = Object.values(summary.filtered).reduce((a, b) => a + b, 0);
    expect(summary.scanned).toBe(cases.length);
    expect(summary.scanned).toBe(summary.written + filtered + summary.rejected);
    expect(summary.rejected).toBe(cases.filter((c) => c.outcome === 'rejected').length);
    const lines = rejects.split('\n').filter(Boolean);
    expect(lines).toHaveLength(summary.rejected);
    expect(rejects).not.toContain('línea');
  });
});
