import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { createDynamoClient, createS3Client, RetryCounter, S3ObjectStore, scanPages } from '@catia/shared';
import { createTestBucket, createTestTable, testSettings } from '../helpers/aws';
import { startFaultProxy } from '../helpers/fault-proxy';

describe('shared adapters under injected faults', () => {
  it('scans every item despite throttling and dropped connections, and counts the retries', async () => {
    const table = await createTestTable();
    const direct = createDynamoClient(testSettings());
    for (let b = 0; b < 8; b++) {
      await direct.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: { Item: marshall({ PK: `USER#${b}`, SK: `CONVERSATION#${i}`, n: b * 25 + i }) },
            })),
          },
        }),
      );
    }
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_DYNAMODB as string,
      service: 'dynamodb',
      every: 3,
      kinds: ['throttle', 'drop'],
    });
    const counter = new RetryCounter();
    const client = createDynamoClient({ ...testSettings(), AWS_ENDPOINT_URL_DYNAMODB: proxy.endpoint }, counter);
    const seen = new Set<number>();
    let items = 0;
    for await (const page of scanPages(client, { tableName: table, segments: 2, pageSize: 20 })) {
      for (const item of page) seen.add((item as { n: number }).n);
      items += page.length;
    }
    await proxy.close();
    expect(items).toBe(200); // retried pages are not handed over twice
    expect(seen.size).toBe(200);
    expect(proxy.injected.throttle + proxy.injected.drop).toBeGreaterThan(0);
    expect(counter.retries).toBe(proxy.injected.throttle + proxy.injected.drop);
  }, 60_000);

  it('stores objects whole through 503 SlowDown answers and counts the retries', async () => {
    const bucket = await createTestBucket();
    const proxy = await startFaultProxy({
      target: process.env.AWS_ENDPOINT_URL_S3 as string,
      service: 's3',
      every: 2,
      kinds: ['slowdown', 'drop'],
    });
    const counter = new RetryCounter();
    const store = new S3ObjectStore(
      createS3Client({ ...testSettings(), AWS_ENDPOINT_URL_S3: proxy.endpoint }, counter),
      bucket,
    );
    const text = 'fila,"con ""comillas""",\n'.repeat(1000);
    await store.write('reports/x.csv', text);
    expect(await store.readText('reports/x.csv')).toBe(text);
    await proxy.close();
    expect(counter.retries).toBeGreaterThan(0);
    expect(counter.retries).toBe(proxy.injected.slowdown + proxy.injected.drop);
  });
});
