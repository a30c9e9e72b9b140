import { Readable } from 'node:stream';
import { createS3Client, readCsv, S3ObjectStore } from '@catia/shared';
import { generateCatiaItems } from '../../../../scripts/lib/sample-data';
import { createTestBucket, loadWithEnv, seedTable, testSettings } from '../../../../tests/helpers/aws';

type NormalizeModule = typeof import('../../src/handlers/normalize');
const loadHandler = async (env: Record<string, string | undefined>) =>
  loadWithEnv<NormalizeModule>(require, '../../src/handlers/normalize', env);

describe('normalize handler on the embedded DynamoDB and S3', () => {
  it('publishes the CSV, manifest and rejects, and a re-run writes identical bytes', async () => {
    const items = [...generateCatiaItems({ users: 70, seed: 3 })];
    const table = await seedTable(items);
    const bucket = await createTestBucket();
    const { handler } = await loadHandler({ CATIA_TABLE_NAME: table, REPORTS_BUCKET: bucket, SCAN_SEGMENTS: '3' });

    const summary = await handler({ runDate: '2025-12-31' });

    expect(summary.scanned).toBe(items.length);
    expect(summary.scanned).toBe(
      summary.written + Object.values(summary.filtered).reduce((a, b) => a + b, 0) + summary.rejected,
    );
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    const csv = (await store.readText('reports/etl-process1/data_20251231.csv')) as string;
    const rows: Record<string, string>[] = [];
    for await (const r of readCsv(Readable.from([csv]))) rows.push(r);
    expect(rows).toHaveLength(summary.users);
    expect(rows.map((r) => r.usuario_id)).toEqual([...rows.map((r) => r.usuario_id)].sort());
    const manifest = JSON.parse((await store.readText('reports/etl-process1/manifest.json')) as string);
    expect(manifest.fileLocations[0].URIs[0]).toBe(`s3://${bucket}/reports/etl-process1/data_20251231.csv`);
    const rejects = ((await store.readText(summary.rejectsKey)) as string).split('\n').filter(Boolean);
    expect(rejects).toHaveLength(summary.rejected);

    await handler({ runDate: '2025-12-31' });
    expect(await store.readText('reports/etl-process1/data_20251231.csv')).toBe(csv);
  }, 30_000);

  it('fails at cold start naming a missing table setting', async () => {
    await expect(loadHandler({ CATIA_TABLE_NAME: '', REPORTS_BUCKET: 'b' })).rejects.toThrow('CATIA_TABLE_NAME');
  });

  it('rejects a malformed run date', async () => {
    const { handler } = await loadHandler({ CATIA_TABLE_NAME: 't', REPORTS_BUCKET: 'b' });
    await expect(handler({ runDate: '31/12/2025' })).rejects.toThrow('runDate');
  });
});
