import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { BatchWriteItemCommand, DynamoDBClient, WriteRequest } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { InputError, RetryableError } from '@catia/shared/errors';
import {
  type AttributeMap,
  createExportReadStats,
  loadItemsIntoTable,
  readExportItems,
} from '../../scripts/lib/import-export';
import { generateCatiaItems, toExportLine } from '../../scripts/lib/sample-data';

const line = (pk: string, sk: string) => JSON.stringify({ Item: { PK: { S: pk }, SK: { S: sk }, N: { N: '1.5' } } });

async function collect(path: string, stats = createExportReadStats()): Promise<AttributeMap[]> {
  const items: AttributeMap[] = [];
  for await (const item of readExportItems(path, { stats })) items.push(item);
  return items;
}

/** A stand-in for DynamoDBClient: records each BatchWriteItem and answers with the given UnprocessedItems. */
function fakeClient(unprocessed: (requests: WriteRequest[], call: number) => WriteRequest[] = () => []) {
  const calls: WriteRequest[][] = [];
  const client = {
    send: async (command: BatchWriteItemCommand) => {
      const requests = command.input.RequestItems?.['table'] ?? [];
      calls.push(requests);
      const left = unprocessed(requests, calls.length);
      return { UnprocessedItems: left.length > 0 ? { table: left } : {} };
    },
  };
  return { client: client as unknown as DynamoDBClient, calls };
}

describe('readExportItems', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'catia-import-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the Item of every line of a plain JSON-lines file, skipping blank lines', async () => {
    // Prepare
    const file = join(dir, 'export.json');
    writeFileSync(file, `${line('a', '1')}\n\n${line('b', '2')}\r\n`);

    // Act
    const items = await collect(file);

    // Assess
    expect(items).toEqual([
      { PK: { S: 'a' }, SK: { S: '1' }, N: { N: '1.5' } },
      { PK: { S: 'b' }, SK: { S: '2' }, N: { N: '1.5' } },
    ]);
  });

  it('reads a gzip export file', async () => {
    // Prepare
    const file = join(dir, 'part-0001.json.gz');
    writeFileSync(file, gzipSync(`${line('a', '1')}\n${line('b', '2')}\n`));

    // Act
    const items = await collect(file);

    // Assess
    expect(items.map((i) => i['PK']?.S)).toEqual(['a', 'b']);
  });

  it('reads every data file under an export directory in name order and skips the manifests', async () => {
    // Prepare
    const data = join(dir, 'AWSDynamoDB', '01700000000000-abcd1234', 'data');
    mkdirSync(data, { recursive: true });
    writeFileSync(join(dir, 'AWSDynamoDB', '01700000000000-abcd1234', 'manifest-summary.json'), '{"itemCount":3}\n');
    writeFileSync(join(dir, 'AWSDynamoDB', '01700000000000-abcd1234', 'manifest-files.json'), '{"itemCount":3}\n');
    writeFileSync(join(dir, 'AWSDynamoDB', '01700000000000-abcd1234', '_started'), '');
    writeFileSync(join(data, 'b.json.gz'), gzipSync(`${line('c', '3')}\n`));
    writeFileSync(join(data, 'a.json.gz'), gzipSync(`${line('a', '1')}\n${line('b', '2')}\n`));
    const stats = createExportReadStats();

    // Act
    const items = await collect(dir, stats);

    // Assess
    expect(items.map((i) => i['PK']?.S)).toEqual(['a', 'b', 'c']);
    expect(stats).toEqual({ files: 2, lines: 3, items: 3, skippedWithoutNewImage: 0 });
  });

  it('reads the NewImage of incremental-export lines and counts the lines without one', async () => {
    // Prepare
    const file = join(dir, 'incremental.json');
    const keys = { PK: { S: 'a' }, SK: { S: '1' } };
    writeFileSync(
      file,
      [
        JSON.stringify({ Metadata: { WriteTimestampMicros: { N: '1718003600123456' } }, Keys: keys, NewImage: keys }),
        JSON.stringify({ Metadata: { WriteTimestampMicros: { N: '1718003600123457' } }, Keys: keys, OldImage: keys }),
      ].join('\n'),
    );
    const stats = createExportReadStats();

    // Act
    const items = await collect(file, stats);

    // Assess
    expect(items).toEqual([keys]);
    expect(stats.skippedWithoutNewImage).toBe(1);
  });

  it('round-trips generated sample items through an export file', async () => {
    // Prepare
    const generated = [...generateCatiaItems({ users: 40, seed: 3 })];
    const file = join(dir, 'catia.json.gz');
    writeFileSync(file, gzipSync(`${generated.map(toExportLine).join('\n')}\n`));

    // Act
    const items = await collect(file);

    // Assess
    expect(items.map((i) => unmarshall(i))).toEqual(generated);
  });

  it('rejects a line that is not JSON, naming the file and line number', async () => {
    // Prepare
    const file = join(dir, 'broken.json');
    writeFileSync(file, `${line('a', '1')}\n{"Item": {"PK": \n`);

    // Act / Assess
    await expect(collect(file)).rejects.toThrow(`${file}:2`);
    await expect(collect(file)).rejects.toBeInstanceOf(InputError);
  });

  it('rejects a line without Item or NewImage, naming the file and line number', async () => {
    // Prepare
    const file = join(dir, 'odd.json');
    writeFileSync(file, `${line('a', '1')}\n${line('b', '2')}\n{"Something":{}}\n`);

    // Act / Assess
    await expect(collect(file)).rejects.toThrow(`${file}:3`);
  });

  it('rejects a path that does not exist with an InputError naming the path', async () => {
    // Prepare
    const missing = join(dir, 'no-such-export');

    // Act / Assess
    await expect(collect(missing)).rejects.toBeInstanceOf(InputError);
    await expect(collect(missing)).rejects.toThrow(missing);
  });

  it('rejects a directory without data files', async () => {
    // Prepare
    writeFileSync(join(dir, 'manifest-summary.json'), '{}\n');

    // Act / Assess
    await expect(collect(dir)).rejects.toThrow(/No export data files/);
  });
});

describe('loadItemsIntoTable', () => {
  it('marshalls plain items and writes them in batches of 25', async () => {
    // Prepare
    const { client, calls } = fakeClient();
    const items = Array.from({ length: 60 }, (_, i) => ({ PK: `u${i}`, SK: 'x', n: i, m: { a: [1, 'b'] } }));

    const progress: number[] = [];

    // Act
    const written = await loadItemsIntoTable({
      client,
      tableName: 'table',
      items,
      raw: false,
      onProgress: (n) => progress.push(n),
    });

    // Assess
    expect(written).toBe(60);
    expect(progress).toEqual([25, 50, 60]);
    expect(calls.map((c) => c.length)).toEqual([25, 25, 10]);
    expect(calls[0]?.[1]?.PutRequest?.Item).toEqual({
      PK: { S: 'u1' },
      SK: { S: 'x' },
      n: { N: '1' },
      m: { M: { a: { L: [{ N: '1' }, { S: 'b' }] } } },
    });
  });

  it('writes raw attribute-value maps from an async source unchanged', async () => {
    // Prepare
    const { client, calls } = fakeClient();
    async function* source(): AsyncGenerator<AttributeMap> {
      for (let i = 0; i < 30; i++) yield { PK: { S: `u${i}` }, SK: { S: 'x' } };
    }

    // Act
    const written = await loadItemsIntoTable({
      client,
      tableName: 'table',
      items: source(),
      raw: true,
      concurrency: 2,
    });

    // Assess
    expect(written).toBe(30);
    expect(calls.flat().map((r) => r.PutRequest?.Item?.['PK']?.S)).toEqual(
      Array.from({ length: 30 }, (_, i) => `u${i}`),
    );
  });

  it('retries unprocessed items until they are written', async () => {
    // Prepare
    const { client, calls } = fakeClient((requests, call) => (call <= 2 ? requests.slice(0, 5) : []));
    const items = Array.from({ length: 25 }, (_, i) => ({ PK: `u${i}`, SK: 'x' }));

    // Act
    const written = await loadItemsIntoTable({ client, tableName: 'table', items, raw: false, baseDelayMs: 1 });

    // Assess
    expect(written).toBe(25);
    expect(calls.map((c) => c.length)).toEqual([25, 5, 5]);
  });

  it('fails with a RetryableError when items stay unprocessed', async () => {
    // Prepare
    const { client } = fakeClient((requests) => requests);
    const items = Array.from({ length: 3 }, (_, i) => ({ PK: `u${i}`, SK: 'x' }));

    // Act / Assess
    await expect(
      loadItemsIntoTable({ client, tableName: 'table', items, raw: false, baseDelayMs: 1, maxAttempts: 3 }),
    ).rejects.toBeInstanceOf(RetryableError);
  });
});
