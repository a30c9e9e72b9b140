/** Configuration of the tokens functions, parsed once at cold start. */
import {
  awsSettings,
  isoDate,
  loadConfig,
  PriceTable,
  positiveInt,
  requiredString,
  s3Prefix,
  stringWithDefault,
  tokenMethodSchema,
} from '@catia/shared';
import { z } from 'zod';

const blank = (v: unknown) => (v === '' ? undefined : v);
const defaultModel = () =>
  stringWithDefault('anthropic.claude-3-5-sonnet-20241022-v2:0').refine(
    (m) => PriceTable.load().knows(m),
    'model is not in the price table',
  );

const common = {
  ...awsSettings,
  REPORTS_BUCKET: requiredString(),
  LARGE_MESSAGE_BUCKET: requiredString(),
  DEFAULT_MODEL_ID: defaultModel(),
  S3_OLD_DATA_PREFIX: s3Prefix('archival/tokens-analysis/'),
  SCAN_SEGMENTS: positiveInt(4, 64),
};

export const archivalConfigSchema = z
  .object({
    ...common,
    BEDROCK_OLD_TABLE_NAME: requiredString(),
    ARCHIVAL_FILTER_DATE_START: isoDate(),
    ARCHIVAL_FILTER_DATE_END: isoDate(),
    ARCHIVAL_TOKEN_METHOD: z.preprocess(blank, tokenMethodSchema.default('chars/4')),
  })
  .refine((c) => c.ARCHIVAL_FILTER_DATE_END >= c.ARCHIVAL_FILTER_DATE_START, {
    path: ['ARCHIVAL_FILTER_DATE_END'],
    message: 'must not be before ARCHIVAL_FILTER_DATE_START',
  });

export const consolidatedConfigSchema = z.object({
  ...common,
  BEDROCK_NEW_TABLE_NAME: requiredString(),
  CONSOLIDATED_FILTER_DATE_START: isoDate(),
  CONSOLIDATED_TOKEN_METHOD: z.preprocess(blank, tokenMethodSchema.default('o200k_base')),
  S3_OUTPUT_PREFIX: s3Prefix('tokens-analysis/'),
  GLUE_DATABASE: requiredString(),
  ATHENA_WORKGROUP: requiredString(),
});

export type ArchivalConfig = z.infer<typeof archivalConfigSchema>;
export type ConsolidatedConfig = z.infer<typeof consolidatedConfigSchema>;

export const loadArchivalConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig(archivalConfigSchema, env);
export const loadConsolidatedConfig = (env: Record<string, string | undefined> = process.env) =>
  loadConfig(consolidatedConfigSchema, env);

/** Rejects live beside, not inside, a table's prefix, so Athena never reads them as rows. */
export function rejectsPrefixOf(prefix: string): string {
  return `${prefix.replace(/\/$/, '')}-rejects/`;
}
