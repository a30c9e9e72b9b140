/** Lambda adapter: parse the event, run the normalize pipeline, log and return its summary. */
import {
  createDynamoClient,
  createLogger,
  createS3Client,
  DynamoScanSource,
  InputError,
  isIsoDay,
  RetryCounter,
  S3ObjectStore,
  todayInBogota,
  toEpochMs,
} from '@catia/shared';
import { loadNormalizeConfig } from '../normalize/config';
import { type NormalizeSummary, runNormalize } from '../normalize/pipeline';

const config = loadNormalizeConfig();
const logger = createLogger('normalize', config.LOG_LEVEL);

export interface NormalizeEvent {
  /** `YYYY-MM-DD`; defaults to today in Bogotá. Scheduled events carry none. */
  runDate?: string;
}

export const handler = async (event: NormalizeEvent = {}): Promise<NormalizeSummary> => {
  const runDate = event?.runDate ?? todayInBogota();
  if (!isIsoDay(runDate) || toEpochMs(runDate) === undefined) throw new InputError('runDate must be YYYY-MM-DD');
  const retries = new RetryCounter();
  const source = new DynamoScanSource(createDynamoClient(config, retries), {
    tableName: config.CATIA_TABLE_NAME,
    segments: config.SCAN_SEGMENTS,
  });
  const store = new S3ObjectStore(createS3Client(config, retries), config.REPORTS_BUCKET);
  logger.info('normalize started', { runDate, table: config.CATIA_TABLE_NAME });
  return runNormalize({ source, store, config, runDate, logger, retries });
};
