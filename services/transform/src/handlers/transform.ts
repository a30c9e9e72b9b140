/**
 * Lambda adapter: the Transform task of the state machine (input `{bucket, key}` from the S3
 * EventBridge event), or a manual invoke (`{}`: the newest CSV under the input prefix).
 */
import { isMainThread } from 'node:worker_threads';
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
import { defaultWorkerCount, TokenWorkers } from '../transform/workers';

type Handler = (event?: TransformEvent) => Promise<TransformSummary>;

function coldStart(): Handler {
  const config = loadTransformConfig();
  const logger = createLogger('transform', config.LOG_LEVEL);
  const retries = new RetryCounter();
  const store = new S3ObjectStore(createS3Client(config, retries), config.REPORTS_BUCKET);
  // Started at cold start; a transient S3 fault is retried on the next event, a bad setting is not.
  const prepare = () => {
    const workerCount = defaultWorkerCount();
    const p = (async () => ({
      prices: await loadPrices(store, config),
      countTokens: await createTokenCounter(config.TRANSFORM_TOKENIZER),
      // Token counting in other threads, when the function has more than one processor.
      workers: workerCount > 0 ? await TokenWorkers.start(config.TRANSFORM_TOKENIZER, workerCount) : undefined,
    }))();
    p.catch(() => undefined);
    return p;
  };
  let ready = prepare();

  return async (event = {}) => {
    retries.retries = 0;
    let prepared = await ready.catch((err: unknown) => {
      if (!(err instanceof ConfigError)) ready = prepare();
      throw err;
    });
    if (prepared.workers && !prepared.workers.healthy) {
      // A worker died in an earlier run: start afresh rather than count on fewer threads.
      await prepared.workers.close();
      ready = prepare();
      prepared = await ready;
    }
    const { prices, countTokens, workers } = prepared;
    const key = await resolveInputKey(store, config, event);
    return runTransform({ store, config, key, prices, countTokens, workers, logger, retries });
  };
}

// The token workers re-run this module (in the Lambda bundle everything is one file): only the
// main thread starts the handler.
export const handler: Handler = isMainThread
  ? coldStart()
  : async () => {
      throw new Error('the transform handler runs on the main thread only');
    };

export type { TransformEvent };
