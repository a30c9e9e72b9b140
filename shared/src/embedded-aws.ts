/**
 * Embedded AWS for machines without an account: dynalite (DynamoDB) and fauxqs (S3) started
 * in-process on free loopback ports. The real SDK clients reach them through the standard
 * `AWS_ENDPOINT_URL_*` variables returned in `env`. Used by `npm start`, the tests and the bench.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import dynalite from 'dynalite';
import { createDynamoClient, createS3Client } from './aws';
import type { AwsSettings } from './config';

export interface EmbeddedAwsOptions {
  /** DynamoDB tables to create (key schema PK/SK, both strings, as in both source tables). */
  tables?: string[];
  /** S3 buckets to create. */
  buckets?: string[];
}

export interface EmbeddedAws {
  /** Environment that points the SDK at the emulators (merge it into a config's env). */
  env: Record<string, string>;
  settings: AwsSettings;
  dynamo: DynamoDBClient;
  s3: S3Client;
  createTable(name: string): Promise<void>;
  createBucket(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Create a table keyed like both source tables (PK/SK strings), on demand. */
export async function createConversationTable(client: DynamoDBClient, name: string): Promise<void> {
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
}

/** Start both emulators, create the tables and buckets, and return clients bound to them. */
export async function startEmbeddedAws(options: EmbeddedAwsOptions = {}): Promise<EmbeddedAws> {
  const ddbServer = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    ddbServer.once('error', reject);
    ddbServer.listen(0, '127.0.0.1', () => resolve());
  });
  const ddbPort = (ddbServer.address() as AddressInfo).port;
  // fauxqs is ESM-only: load it with a real dynamic import.
  const { startFauxqs } = await import('fauxqs');
  const s3Server = await startFauxqs({ port: 0, host: '127.0.0.1', logger: false });

  const env: Record<string, string> = {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'embedded',
    AWS_SECRET_ACCESS_KEY: 'embedded',
    AWS_ENDPOINT_URL_DYNAMODB: `http://127.0.0.1:${ddbPort}`,
    AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${s3Server.port}`,
  };
  // The SDK's default credential chain reads these; set them so clients built anywhere in-process work.
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'] as const) process.env[k] ??= env[k];
  // Local runs use Node 20; Lambda runs Node 22. The SDK's notice about future releases is noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

  const settings: AwsSettings = {
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_S3: env.AWS_ENDPOINT_URL_S3,
    AWS_MAX_ATTEMPTS: 8,
    LOG_LEVEL: 'info',
  };
  const dynamo = createDynamoClient(settings);
  const s3 = createS3Client(settings);

  const createTable = (name: string) => createConversationTable(dynamo, name);
  const createBucket = async (name: string) => {
    await s3.send(new CreateBucketCommand({ Bucket: name }));
  };

  for (const t of options.tables ?? []) await createTable(t);
  for (const b of options.buckets ?? []) await createBucket(b);

  return {
    env,
    settings,
    dynamo,
    s3,
    createTable,
    createBucket,
    stop: async () => {
      dynamo.destroy();
      s3.destroy();
      await s3Server.stop();
      await new Promise<void>((resolve) => ddbServer.close(() => resolve()));
    },
  };
}
