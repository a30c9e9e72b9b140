import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MemoryObjectStore, MemorySource, readCsv } from '@catia/shared';
import { generateCatiaItems } from '../../../../scripts/lib/sample-data';
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
  it("writes the same bytes whatever the order of a user's items in the scan (conversations joined in date order)", async () => {
    // Generated in date order, a user's conversations are rendered one after another and handed
    // to the CSV as one range of their slab; reversed, each is a piece of its own. Same file.
    // (Profile and feedback order do not depend on the scan order either.)
    const byUser = new Map<unknown, Record<string, unknown>[]>();
    for (const item of generateCatiaItems({ users: 400, seed: 21 })) {
      const list = byUser.get(item.PK) ?? [];
      list.push(item);
      byUser.set(item.PK, list);
    }
    const inOrder = [...byUser.values()].flat();
    const reversed = [...byUser.values()].flatMap((list) => [...list].reverse());
    const config = loadNormalizeConfig({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b' });
    const run = async (items: Record<string, unknown>[]) => {
      const store = new MemoryObjectStore('b');
      // Pieces handed over straight from a slab (1 MiB arena memory) that join conversations.
      let joined = 0;
      const write = store.write.bind(store);
      store.write = async (...[key, body]: Parameters<MemoryObjectStore['write']>) => {
        if (typeof body === 'string' || body instanceof Uint8Array) return write(key, body);
        const parts: Uint8Array[] = [];
        for await (const c of body as AsyncIterable<Uint8Array>) parts.push(c);
        for (const c of parts) if (c.buffer.byteLength === 1 << 20 && Buffer.from(c).includes('}],[{')) joined++;
        return write(key, Buffer.concat(parts));
      };
      const summary = await runNormalize({ source: new MemorySource(items), store, config, runDate: '2025-12-31' });
      return { csv: (await store.readText(summary.outputKey)) as string, joined, summary };
    };
    const a = await run(inOrder);
    const b = await run(reversed);
    expect(a.summary.users).toBeGreaterThan(100);
    expect(b.csv).toBe(a.csv);
    expect(a.joined).toBeGreaterThan(50);
    expect(b.joined).toBe(0);
  });

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
