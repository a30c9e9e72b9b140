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
  // The three parts at once: the workers (token counting in other threads, when the function has
  // more than one processor) load their encoding while this thread loads its own and reads the
  // prices. If one part fails, workers already started are stopped.
  const prepare = () => {
    const workerCount = defaultWorkerCount();
    const p = (async () => {
      const [workers, countTokens, prices] = await Promise.allSettled([
        workerCount > 0 ? TokenWorkers.start(config.TRANSFORM_TOKENIZER, workerCount) : undefined,
        createTokenCounter(config.TRANSFORM_TOKENIZER),
        loadPrices(store, config),
      ]);
      if (prices.status === 'rejected' || countTokens.status === 'rejected' || workers.status === 'rejected') {
        if (workers.status === 'fulfilled') await workers.value?.close();
        throw ([prices, countTokens, workers].find((r) => r.status === 'rejected') as PromiseRejectedResult).reason;
      }
      return { prices: prices.value, countTokens: countTokens.value, workers: workers.value };
    })();
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
