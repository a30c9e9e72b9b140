import { PassThrough } from 'node:stream';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import {
  createDynamoClient,
  createS3Client,
  OutputError,
  ParquetRowWriter,
  passThroughSink,
  RetryCounter,
  S3ObjectStore,
  scanPages,
} from '@catia/shared';
import { createTestBucket, createTestTable, testSettings } from '../helpers/aws';

describe('shared AWS adapters against the embedded emulators', () => {
  it('scans every item exactly once with parallel segments', async () => {
    const table = await createTestTable();
    const client = createDynamoClient(testSettings(), new RetryCounter());
    for (let b = 0; b < 20; b++) {
      await client.send(
        new BatchWriteItemCommand({
          RequestItems: {
            [table]: Array.from({ length: 25 }, (_, i) => ({
              PutRequest: { Item: marshall({ PK: `USER#${b}`, SK: `CONVERSATION#${i}`, n: b * 25 + i }) },
            })),
          },
        }),
      );
    }
    const seen = new Set<number>();
    let items = 0;
    for await (const page of scanPages(client, { tableName: table, segments: 3, pageSize: 40 })) {
      for (const item of page) seen.add((item as { n: number }).n);
      items += page.length;
    }
    expect(items).toBe(500); // each item once: no page lost or handed over twice
    expect(seen.size).toBe(500);
    expect(Math.max(...seen)).toBe(499);
    client.destroy();
  });

  it('writes, lists, reads and finds the newest object', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket);
    await store.write('p/a.csv', 'uno\n');
    await new Promise((r) => setTimeout(r, 1100));
    await store.write('p/b.csv', 'dos\n');
    await store.write('q/c.csv', 'tres\n');
    const keys: string[] = [];
    for await (const o of store.list('p/')) keys.push(o.key);
    expect(keys).toEqual(['p/a.csv', 'p/b.csv']);
    expect((await store.newest('p/'))?.key).toBe('p/b.csv');
    expect(await store.readText('p/a.csv')).toBe('uno\n');
    expect(await store.readText('p/missing.csv')).toBeUndefined();
    expect(await store.exists('q/c.csv')).toBe(true);
  });

  it('streams a large body as a multipart upload byte for byte', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket, 5 * 1024 * 1024);
    const body = new PassThrough();
    const done = store.write('big.bin', body);
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 12; i++) {
      chunk.fill(i);
      body.write(Buffer.from(chunk));
    }
    body.end();
    await done;
    const back = await store.read('big.bin');
    const bytes = Buffer.concat(await back!.toArray());
    expect(bytes.length).toBe(12 * 1024 * 1024);
    expect(bytes[5 * 1024 * 1024 + 3]).toBe(5);
    expect(bytes[12 * 1024 * 1024 - 1]).toBe(11);
  });

  it('leaves the previous object untouched when a streamed write fails midway', async () => {
    const bucket = await createTestBucket();
    const store = new S3ObjectStore(createS3Client(testSettings()), bucket, 5 * 1024 * 1024);
    await store.write('out/data.parquet', 'previous');
    const { stream, sink } = passThroughSink();
    const upload = store.write('out/data.parquet', stream);
    const writer = new ParquetRowWriter([{ name: 'n', type: 'int32' }], sink, 10);
    await writer.write({ n: 1 });
    stream.destroy(new Error('producer died'));
    await expect(upload).rejects.toBeInstanceOf(OutputError);
    expect(await store.readText('out/data.parquet')).toBe('previous');
  });
});
