/** Lambda adapter: price the OLD Bedrock Chat table once (`sls invoke -f archival`). */
import { createLogger } from '@catia/shared';
import { loadArchivalConfig, rejectsPrefixOf } from '../tokens/config';
import { buildContext } from '../tokens/context';
import { runArchival, type TokensSummary } from '../tokens/pipeline';

const config = loadArchivalConfig();
const logger = createLogger('tokens-archival', config.LOG_LEVEL);

export const handler = async (): Promise<TokensSummary> => {
  const ctx = await buildContext(config, config.BEDROCK_OLD_TABLE_NAME, config.ARCHIVAL_TOKEN_METHOD);
  logger.info('archival started', { table: config.BEDROCK_OLD_TABLE_NAME, method: config.ARCHIVAL_TOKEN_METHOD });
  return runArchival({
    ...ctx,
    method: config.ARCHIVAL_TOKEN_METHOD,
    defaultModel: config.DEFAULT_MODEL_ID,
    window: { start: config.ARCHIVAL_FILTER_DATE_START, end: config.ARCHIVAL_FILTER_DATE_END },
    oldDataPrefix: config.S3_OLD_DATA_PREFIX,
    rejectsPrefix: rejectsPrefixOf(config.S3_OLD_DATA_PREFIX),
    logger,
  });
};
