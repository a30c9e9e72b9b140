/**
 * Lambda adapter: the Transform task of the state machine (input `{bucket, key}` from the S3
 * EventBridge event), or a manual invoke (`{}`: the newest CSV under the input prefix).
 */
import {
  ConfigError,
  createLogger,
  createS3Client,
  createTokenCounter,
  RetryCounter,
  S3ObjectStore,
} from '@catia/shared';
import { loadTransformConfig } from '../transform/config';
import { loadPrices, resolveInputKey, type TransformEvent } from '../transform/input';
import { runTransform, type TransformSummary } from '../transform/pipeline';

const config = loadTransformConfig();
const logger = createLogger('transform', config.LOG_LEVEL);
const retries = new RetryCounter();
const store = new S3ObjectStore(createS3Client(config, retries), config.REPORTS_BUCKET);
// Started at cold start; a transient S3 fault is retried on the next event, a bad setting is not.
const prepare = () => {
  const p = (async () => ({
    prices: await loadPrices(store, config),
    countTokens: await createTokenCounter(config.TRANSFORM_TOKENIZER),
  }))();
  p.catch(() => undefined);
  return p;
};
let ready = prepare();

export const handler = async (event: TransformEvent = {}): Promise<TransformSummary> => {
  retries.retries = 0;
  const { prices, countTokens } = await ready.catch((err: unknown) => {
    if (!(err instanceof ConfigError)) ready = prepare();
    throw err;
  });
  const key = await resolveInputKey(store, config, event);
  return runTransform({ store, config, key, prices, countTokens, logger, retries });
};

export type { TransformEvent };
