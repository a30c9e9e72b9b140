import { Readable } from 'node:stream';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDynamoClient, createS3Client, readCsv, S3ObjectStore } from '@catia/shared';
import { generateCatiaItems } from '../../../../scripts/lib/sample-data';
import { createTestBucket, createTestTable, testSettings } from '../../../../tests/helpers/aws';

async function loadHandler(env: Record<string, string | undefined>) {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let mod: typeof import('../../src/handlers/normalize') | undefined;
    jest.isolateModules(() => {
      mod = require('../../src/handlers/normalize');
    });
    return mod as typeof import('../../src/handlers/normalize');
  } finally {
    process.env = saved;
  }
}

describe('normalize handler on the embedded DynamoDB and S3', () => {
  it('publishes the CSV, manifest and rejects, and a re-run writes identical bytes', async () => {
    const table = await createTestTable();
    const bucket = await createTestBucket();
    const ddb = createDynamoClient(testSettings());
    const items = [...generateCatiaItems({ users: 70, seed: 3 })];
    for (let i = 0; i < items.length; i += 25) {
      await ddb.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: items
              .slice(i, i + 25)
              .map((it) => ({ PutRequest: { Item: marshall(it, { removeUndefinedValues: true }) } })),
          },
        }),
      );
    }
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
