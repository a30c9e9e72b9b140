import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDynamoClient, createS3Client, type QueryEngine, S3ObjectStore } from '@catia/shared';
import { generateBedrockNewItems, generateBedrockOldItems } from '../../../../scripts/lib/sample-data';
import { createTestBucket, createTestTable, loadWithEnv, testSettings } from '../../../../tests/helpers/aws';

const load = async <T>(path: string, env: Record<string, string | undefined>): Promise<T> =>
  loadWithEnv<T>(require, path, env);

/** Records every statement instead of running it: Athena has no emulator; the SQL itself is tested on DuckDB. */
class RecordingEngine implements QueryEngine {
  readonly statements: string[] = [];
  async execute(sql: string) {
    this.statements.push(sql);
    return [];
  }
  async registerCsvTable(def: { name: string; location: string }) {
    this.statements.push(`register ${def.name} ${def.location}`);
  }
}

describe('tokens handlers on the embedded DynamoDB and S3', () => {
  it('runs archival then consolidated, and a re-run writes identical bytes', async () => {
    const [oldTable, newTable, bucket, large] = await Promise.all([
      createTestTable(),
      createTestTable(),
      createTestBucket(),
      createTestBucket(),
    ]);
    const ddb = createDynamoClient(testSettings());
    const s3 = createS3Client(testSettings());
    const largeStore = new S3ObjectStore(s3, large);
    for (const [table, gen] of [
      [oldTable, generateBedrockOldItems],
      [newTable, generateBedrockNewItems],
    ] as const) {
      const records = [...gen({ users: 40, seed: 5 })];
      for (const r of records) if (r.largeMessage) await largeStore.write(r.largeMessage.key, r.largeMessage.body);
      for (let i = 0; i < records.length; i += 25) {
        await ddb.send(
          new BatchWriteItemCommand({
            RequestItems: {
              [table]: records
                .slice(i, i + 25)
                .map((r) => ({ PutRequest: { Item: marshall(r.item, { removeUndefinedValues: true }) } })),
            },
          }),
        );
      }
    }
    const env = {
      REPORTS_BUCKET: bucket,
      LARGE_MESSAGE_BUCKET: large,
      BEDROCK_OLD_TABLE_NAME: oldTable,
      BEDROCK_NEW_TABLE_NAME: newTable,
      ARCHIVAL_FILTER_DATE_START: '2024-01-01',
      ARCHIVAL_FILTER_DATE_END: '2025-12-31',
      CONSOLIDATED_FILTER_DATE_START: '2026-01-01',
      GLUE_DATABASE: 'db',
      ATHENA_WORKGROUP: 'wg',
    };
    const archival = await load<typeof import('../../src/handlers/archival')>('../../src/handlers/archival', env);
    const consolidated = await load<typeof import('../../src/handlers/consolidated')>(
      '../../src/handlers/consolidated',
      env,
    );
    const engine = new RecordingEngine();

    const a = await archival.handler();
    const c = await consolidated.createConsolidatedHandler({ queryEngine: engine })();

    for (const s of [a, c]) {
      expect(s.scanned).toBe(s.written + Object.values(s.filtered).reduce((x, y) => x + y, 0) + s.rejected);
      expect(s.written).toBeGreaterThan(0);
    }
    expect(a.method).toBe('chars/4');
    expect(c.method).toBe('o200k_base');
    expect(c.historical.found).toBe(true);
    expect(c.rowsWritten).toBe(c.written + c.historical.kept);
    expect(engine.statements[0]).toBe(`register tokens_table s3://${bucket}/tokens-analysis/`);
    const store = new S3ObjectStore(s3, bucket);
    const first = await store.readText(c.outputKey);
    await archival.handler();
    await consolidated.createConsolidatedHandler({ queryEngine: engine })();
    expect(await store.readText(c.outputKey)).toBe(first);
  }, 60_000);

  it.each([
    ['ARCHIVAL_FILTER_DATE_END', { ARCHIVAL_FILTER_DATE_END: '2023-01-01' }],
    ['DEFAULT_MODEL_ID', { DEFAULT_MODEL_ID: 'modelo-inventado' }],
    ['BEDROCK_OLD_TABLE_NAME', { BEDROCK_OLD_TABLE_NAME: '' }],
  ])('fails at cold start naming %s', async (name, override) => {
    const env = {
      REPORTS_BUCKET: 'b',
      LARGE_MESSAGE_BUCKET: 'l',
      BEDROCK_OLD_TABLE_NAME: 't',
      ARCHIVAL_FILTER_DATE_START: '2024-01-01',
      ARCHIVAL_FILTER_DATE_END: '2025-12-31',
      ...override,
    };
    await expect(load('../../src/handlers/archival', env)).rejects.toThrow(name);
  });
});
