/** Configuration of the normalize function, parsed once at cold start. */
import {
  awsSettings,
  commaList,
  isoDateWithDefault,
  loadConfig,
  optionalIsoDate,
  positiveInt,
  requiredString,
  s3Prefix,
  stringWithDefault,
} from '@catia/shared';
import { z } from 'zod';

/** The cities the original pipeline meant to exclude (matched as whole words, case- and accent-insensitive). */
export const DEFAULT_EXCLUDED_LOCATIONS = [
  'México',
  'Medellín',
  'Cali',
  'Barranquilla',
  'Cartagena',
  'Potosí',
  'Valle del Cauca',
  'Valle',
  'Antioquia',
];

export const normalizeConfigSchema = z
  .object({
    ...awsSettings,
    CATIA_TABLE_NAME: requiredString(),
    REPORTS_BUCKET: requiredString(),
    SCAN_SEGMENTS: positiveInt(4, 64),
    FILTER_DATE_START: isoDateWithDefault('2025-08-04'),
    FILTER_DATE_END: optionalIsoDate(),
    EXCLUDED_LOCATIONS: commaList(DEFAULT_EXCLUDED_LOCATIONS),
    DEFAULT_NAME: stringWithDefault('Usuario Anónimo'),
    DEFAULT_CITY: stringWithDefault('Bogotá'),
    OUTPUT_PREFIX: s3Prefix('reports/etl-process1/'),
  })
  .refine((c) => !c.FILTER_DATE_END || c.FILTER_DATE_END >= c.FILTER_DATE_START, {
    path: ['FILTER_DATE_END'],
    message: 'must not be before FILTER_DATE_START',
  });

export type NormalizeConfig = z.infer<typeof normalizeConfigSchema>;

export function loadNormalizeConfig(env: Record<string, string | undefined> = process.env): NormalizeConfig {
  return loadConfig(normalizeConfigSchema, env);
}
