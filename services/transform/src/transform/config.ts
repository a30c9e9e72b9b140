/** Configuration of the transform function, parsed once at cold start. */
import {
  awsSettings,
  ConfigError,
  loadConfig,
  PriceTable,
  requiredString,
  s3Prefix,
  stringWithDefault,
  tokenMethodSchema,
} from '@catia/shared';
import { z } from 'zod';

const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

export const transformConfigSchema = z
  .object({
    ...awsSettings,
    REPORTS_BUCKET: requiredString(),
    CATIA_MODEL_ID: stringWithDefault('anthropic.claude-3-5-sonnet-20241022-v2:0'),
    TRANSFORM_TOKENIZER: z.preprocess(blankToUndefined, tokenMethodSchema.default('o200k_base')),
    /** Optional S3 key (in the reports bucket) of a price table that replaces the built-in one. */
    PRICE_TABLE_KEY: z.preprocess(
      blankToUndefined,
      z
        .string()
        .refine((k) => !k.startsWith('/') && !k.endsWith('/'), 'must be an object key (no leading or trailing /)')
        .optional(),
    ),
    INPUT_PREFIX: s3Prefix('reports/etl-process1/'),
    OUTPUT_KEY: stringWithDefault('reports/etl-process2/data.parquet').refine(
      (k) => !k.startsWith('/') && k.endsWith('.parquet'),
      'must be an object key ending in .parquet',
    ),
    REJECTS_PREFIX: s3Prefix('reports/etl-process2/rejects/'),
  })
  .superRefine((c, ctx) => {
    // With a user table the check waits until that table is read (see `requirePricedModel`).
    if (c.PRICE_TABLE_KEY === undefined && !PriceTable.load().knows(c.CATIA_MODEL_ID)) {
      ctx.addIssue({ code: 'custom', path: ['CATIA_MODEL_ID'], message: 'model is not in the built-in price table' });
    }
  });

export type TransformConfig = z.infer<typeof transformConfigSchema>;

export function loadTransformConfig(env: Record<string, string | undefined> = process.env): TransformConfig {
  return loadConfig(transformConfigSchema, env);
}

/** Fails (naming CATIA_MODEL_ID) when the price table in use cannot price the configured model. */
export function requirePricedModel(prices: PriceTable, config: Pick<TransformConfig, 'CATIA_MODEL_ID'>): void {
  if (!prices.knows(config.CATIA_MODEL_ID)) {
    throw new ConfigError(
      `Invalid configuration: CATIA_MODEL_ID is malformed: ${config.CATIA_MODEL_ID} is not in price table ${prices.version}`,
      ['CATIA_MODEL_ID'],
    );
  }
}
