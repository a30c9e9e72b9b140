/**
 * Test access to the embedded AWS started by global-setup.mjs: settings and clients pointed at it,
 * unique table/bucket names so test files never share state, and handler loading with a given env.
 */
import { randomBytes } from 'node:crypto';
import { BatchWriteItemCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { marshall } from '@aws-sdk/util-dynamodb';
import { type AwsSettings, awsSettings, createDynamoClient, createS3Client, loadConfig } from '@catia/shared';
import { createConversationTable } from '@catia/shared/embedded-aws';
import { z } from 'zod';

export function testSettings(): AwsSettings {
  return loadConfig(z.object(awsSettings), process.env);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createTestTable(name = uniqueName('table')): Promise<string> {
  const client = createDynamoClient(testSettings());
  await createConversationTable(client, name);
  client.destroy();
  return name;
}

export async function createTestBucket(name = uniqueName('bucket')): Promise<string> {
  const client = createS3Client(testSettings());
  await client.send(new CreateBucketCommand({ Bucket: name }));
  client.destroy();
  return name;
}

/** A new table holding `items` (plain objects), written with BatchWriteItem. */
export async function seedTable(items: Record<string, unknown>[], name?: string): Promise<string> {
  const table = await createTestTable(name);
  const ddb = createDynamoClient(testSettings());
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
  ddb.destroy();
  return table;
}

/**
 * Load a handler module afresh with `env` set, as Lambda does at cold start (configuration is
 * parsed when the module loads). `path` is resolved from the calling test file via `req`.
 */
export function loadWithEnv<T>(req: NodeJS.Require, path: string, env: Record<string, string | undefined>): T {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    let mod: T | undefined;
    jest.isolateModules(() => {
      mod = req(path);
    });
    return mod as T;
  } finally {
    process.env = saved;
  }
}
