/** Configuration of the transform function, parsed once at cold start. */
import {
  awsSettings,
  loadConfig,
  PriceTable,
  requiredString,
  s3Prefix,
  stringWithDefault,
  tokenMethodSchema,
} from '@catia/shared';
import { z } from 'zod';

export const transformConfigSchema = z.object({
  ...awsSettings,
  REPORTS_BUCKET: requiredString(),
  CATIA_MODEL_ID: stringWithDefault('anthropic.claude-3-5-sonnet-20241022-v2:0').refine(
    (m) => PriceTable.load().knows(m),
    'model is not in the price table',
  ),
  TRANSFORM_TOKENIZER: z.preprocess((v) => (v === '' ? undefined : v), tokenMethodSchema.default('o200k_base')),
  /** Optional S3 key (in the reports bucket) of a price table that replaces the built-in one. */
  PRICE_TABLE_KEY: z.preprocess((v) => (v === '' ? undefined : v), z.string().optional()),
  INPUT_PREFIX: s3Prefix('reports/etl-process1/'),
  OUTPUT_KEY: stringWithDefault('reports/etl-process2/data.parquet'),
  REJECTS_PREFIX: s3Prefix('reports/etl-process2/rejects/'),
});

export type TransformConfig = z.infer<typeof transformConfigSchema>;

export function loadTransformConfig(env: Record<string, string | undefined> = process.env): TransformConfig {
  return loadConfig(transformConfigSchema, env);
}
