/** What both tokens handlers build from their configuration: clients, stores, prices and the counter. */
import {
  type AwsSettings,
  createDynamoClient,
  createS3Client,
  createTokenCounter,
  DynamoScanSource,
  PriceTable,
  RetryCounter,
  S3ObjectStore,
  type TokenMethod,
} from '@catia/shared';

export interface CommonSettings extends AwsSettings {
  REPORTS_BUCKET: string;
  LARGE_MESSAGE_BUCKET: string;
  SCAN_SEGMENTS: number;
}

export async function buildContext(config: CommonSettings, table: string, method: TokenMethod) {
  const retries = new RetryCounter();
  const s3 = createS3Client(config, retries);
  return {
    retries,
    source: new DynamoScanSource(createDynamoClient(config, retries), {
      tableName: table,
      segments: config.SCAN_SEGMENTS,
    }),
    store: new S3ObjectStore(s3, config.REPORTS_BUCKET),
    largeMessages: new S3ObjectStore(s3, config.LARGE_MESSAGE_BUCKET),
    prices: PriceTable.load(),
    count: await createTokenCounter(method),
  };
}
