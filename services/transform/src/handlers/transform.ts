/**
 * Lambda adapter: the Transform task of the state machine (input `{bucket, key}` from the S3
 * EventBridge event), or a manual invoke (`{}`: the newest CSV under the input prefix).
 */
import {
  createLogger,
  createS3Client,
  createTokenCounter,
  InputError,
  PriceTable,
  RetryCounter,
  S3ObjectStore,
  type TokenCounter,
} from '@catia/shared';
import { loadTransformConfig } from '../transform/config';
import { runTransform, type TransformSummary } from '../transform/pipeline';

const config = loadTransformConfig();
const logger = createLogger('transform', config.LOG_LEVEL);
let ready: Promise<{ prices: PriceTable; countTokens: TokenCounter }> | undefined;

export interface TransformEvent {
  bucket?: string;
  key?: string;
  detail?: { bucket?: { name?: string }; object?: { key?: string } };
}

export const handler = async (event: TransformEvent = {}): Promise<TransformSummary> => {
  const retries = new RetryCounter();
  const store = new S3ObjectStore(createS3Client(config, retries), config.REPORTS_BUCKET);
  ready ??= (async () => {
    const prices = config.PRICE_TABLE_KEY
      ? PriceTable.load(await store.readText(config.PRICE_TABLE_KEY), `PRICE_TABLE_KEY (${config.PRICE_TABLE_KEY})`)
      : PriceTable.load();
    if (!prices.knows(config.CATIA_MODEL_ID)) throw new InputError('CATIA_MODEL_ID is not in the price table');
    return { prices, countTokens: await createTokenCounter(config.TRANSFORM_TOKENIZER) };
  })();
  const { prices, countTokens } = await ready;
  const bucket = event?.bucket ?? event?.detail?.bucket?.name ?? config.REPORTS_BUCKET;
  if (bucket !== config.REPORTS_BUCKET) throw new InputError(`event names bucket ${bucket}, not the reports bucket`);
  const key =
    event?.key ??
    event?.detail?.object?.key ??
    (await store.newest(config.INPUT_PREFIX, (k) => k.endsWith('.csv') && !k.includes('/rejects/')))?.key;
  if (!key) throw new InputError(`no CSV under ${store.uri(config.INPUT_PREFIX)}`);
  logger.info('transform started', { key });
  return runTransform({ store, config, key, prices, countTokens, logger, retries });
};
