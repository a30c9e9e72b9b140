/**
 * Test access to the embedded AWS started by global-setup.mjs: settings and clients pointed at it,
 * and unique table/bucket names so test files never share state.
 */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { type AwsSettings, awsSettings, createDynamoClient, createS3Client, loadConfig } from '@catia/shared';
import { z } from 'zod';

export function testSettings(): AwsSettings {
  return loadConfig(z.object(awsSettings), process.env);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

export async function createTestTable(name = uniqueName('table')): Promise<string> {
  const client = createDynamoClient(testSettings());
  await client.send(
    new CreateTableCommand({
      TableName: name,
      AttributeDefinitions: [
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'PK', KeyType: 'HASH' },
        { AttributeName: 'SK', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
    }),
  );
  client.destroy();
  return name;
}

export async function createTestBucket(name = uniqueName('bucket')): Promise<string> {
  const client = createS3Client(testSettings());
  await client.send(new CreateBucketCommand({ Bucket: name }));
  client.destroy();
  return name;
}
