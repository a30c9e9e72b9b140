/**
 * Lambda adapter: price the NEW table, merge the archival result, publish one CSV and refresh the
 * Athena table and views. `createConsolidatedHandler` lets the local runner pass DuckDB instead.
 */
import { AthenaQueryEngine, createAthenaClient, createLogger, type QueryEngine } from '@catia/shared';
import { loadConsolidatedConfig, rejectsPrefixOf } from '../tokens/config';
import { buildContext } from '../tokens/context';
import { type ConsolidatedSummary, runConsolidated } from '../tokens/pipeline';

const config = loadConsolidatedConfig();
const logger = createLogger('tokens-consolidated', config.LOG_LEVEL);

export function createConsolidatedHandler(deps: { queryEngine?: QueryEngine } = {}) {
  return async (): Promise<ConsolidatedSummary> => {
    const ctx = await buildContext(config, config.BEDROCK_NEW_TABLE_NAME, config.CONSOLIDATED_TOKEN_METHOD);
    const engine =
      deps.queryEngine ??
      new AthenaQueryEngine(createAthenaClient(config, ctx.retries), {
        workgroup: config.ATHENA_WORKGROUP,
        database: config.GLUE_DATABASE,
      });
    logger.info('consolidated started', {
      table: config.BEDROCK_NEW_TABLE_NAME,
      method: config.CONSOLIDATED_TOKEN_METHOD,
    });
    return runConsolidated({
      ...ctx,
      method: config.CONSOLIDATED_TOKEN_METHOD,
      defaultModel: config.DEFAULT_MODEL_ID,
      window: { start: config.CONSOLIDATED_FILTER_DATE_START },
      oldDataPrefix: config.S3_OLD_DATA_PREFIX,
      rejectsPrefix: rejectsPrefixOf(config.S3_OLD_DATA_PREFIX),
      outputPrefix: config.S3_OUTPUT_PREFIX,
      outputRejectsPrefix: rejectsPrefixOf(config.S3_OUTPUT_PREFIX),
      engine,
      logger,
    });
  };
}

export const handler = createConsolidatedHandler();
