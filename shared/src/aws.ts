/**
 * AWS SDK v3 clients built from the shared settings. The same code serves AWS and the embedded
 * emulators: the SDK's `AWS_ENDPOINT_URL_<SERVICE>` variables (parsed into the settings) point it there.
 */
import { AthenaClient } from '@aws-sdk/client-athena';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GlueClient } from '@aws-sdk/client-glue';
import { S3Client } from '@aws-sdk/client-s3';
import type { AwsSettings } from './config';

/** Counts retried attempts of every call made through the clients it is attached to. */
export class RetryCounter {
  retries = 0;
}

type Middlewared = {
  middlewareStack: {
    add: (mw: (next: Handler) => Handler, opts: { step: 'initialize'; name: string; priority: 'high' }) => void;
  };
};
type Handler = (args: unknown) => Promise<{ output: { $metadata?: { attempts?: number } } }>;

/** Attach a retry counter: after each call, add `attempts - 1` (also for calls that finally fail). */
export function countRetries<C>(client: C, counter: RetryCounter): C {
  (client as unknown as Middlewared).middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        counter.retries += Math.max(0, (result.output.$metadata?.attempts ?? 1) - 1);
        return result;
      } catch (err) {
        const attempts = (err as { $metadata?: { attempts?: number } }).$metadata?.attempts ?? 1;
        counter.retries += Math.max(0, attempts - 1);
        throw err;
      }
    },
    { step: 'initialize', name: 'catiaRetryCounter', priority: 'high' },
  );
  return client;
}

function common(settings: AwsSettings) {
  return { region: settings.AWS_REGION, maxAttempts: settings.AWS_MAX_ATTEMPTS, retryMode: 'adaptive' as const };
}

export function createDynamoClient(settings: AwsSettings, counter?: RetryCounter): DynamoDBClient {
  const client = new DynamoDBClient({
    ...common(settings),
    ...(settings.AWS_ENDPOINT_URL_DYNAMODB ? { endpoint: settings.AWS_ENDPOINT_URL_DYNAMODB } : {}),
  });
  return counter ? countRetries(client, counter) : client;
}

export function createS3Client(settings: AwsSettings, counter?: RetryCounter): S3Client {
  const emulated = Boolean(settings.AWS_ENDPOINT_URL_S3);
  const client = new S3Client({
    ...common(settings),
    // Emulators serve path-style URLs and do not implement the SDK's default flexible checksums.
    ...(emulated
      ? {
          endpoint: settings.AWS_ENDPOINT_URL_S3,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED' as const,
          responseChecksumValidation: 'WHEN_REQUIRED' as const,
        }
      : {}),
  });
  return counter ? countRetries(client, counter) : client;
}

export function createAthenaClient(settings: AwsSettings, counter?: RetryCounter): AthenaClient {
  const client = new AthenaClient({
    ...common(settings),
    ...(settings.AWS_ENDPOINT_URL_ATHENA ? { endpoint: settings.AWS_ENDPOINT_URL_ATHENA } : {}),
  });
  return counter ? countRetries(client, counter) : client;
}

export function createGlueClient(settings: AwsSettings, counter?: RetryCounter): GlueClient {
  const client = new GlueClient({
    ...common(settings),
    ...(settings.AWS_ENDPOINT_URL_GLUE ? { endpoint: settings.AWS_ENDPOINT_URL_GLUE } : {}),
  });
  return counter ? countRetries(client, counter) : client;
}
