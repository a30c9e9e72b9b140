/**
 * Configuration: one zod schema per service, parsed once at cold start.
 * Nothing else reads `process.env`. A missing or malformed setting fails naming the variable.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

/** Parse `env` with `schema`; throws {@link ConfigError} naming every bad setting. */
export function loadConfig<S extends z.ZodType>(
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const name = issue.path.map(String).join('.') || '(environment)';
    const received = env[name];
    const what = received === undefined || received === '' ? 'is missing' : 'is malformed';
    return { name, text: `${name} ${what}: ${issue.message}` };
  });
  const names = [...new Set(problems.map((p) => p.name))];
  throw new ConfigError(`Invalid configuration: ${problems.map((p) => p.text).join('; ')}`, names);
}

/** Treat an empty string as "not set", so `.env` lines like `X=` fall back to the default. */
const blankToUndefined = (v: unknown) => (v === '' ? undefined : v);

/** A required non-empty string. */
export const requiredString = () => z.string({ error: 'required' }).trim().min(1, 'must not be empty');

/** An optional string with a default. */
export const stringWithDefault = (def: string) => z.preprocess(blankToUndefined, z.string().default(def));

/** A calendar date `YYYY-MM-DD` that exists. */
export const isoDate = () =>
  z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD')
    .refine((s) => {
      const d = new Date(`${s}T00:00:00Z`);
      return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(s);
    }, 'not a real calendar date');

export const optionalIsoDate = () => z.preprocess(blankToUndefined, isoDate().optional());
export const isoDateWithDefault = (def: string) => z.preprocess(blankToUndefined, isoDate().default(def));

/** `true`/`false` (also `1`/`0`, `yes`/`no`), with a default. */
export const booleanFlag = (def: boolean) =>
  z.preprocess(
    (v) => {
      if (v === undefined || v === '') return def;
      if (typeof v !== 'string') return v;
      const s = v.trim().toLowerCase();
      if (['true', '1', 'yes', 'on'].includes(s)) return true;
      if (['false', '0', 'no', 'off'].includes(s)) return false;
      return v;
    },
    z.boolean({ error: 'expected true or false' }),
  );

/** A positive integer given as a string, with a default and an upper bound. */
export const positiveInt = (def: number, max = Number.MAX_SAFE_INTEGER) =>
  z.preprocess(
    (v) => (v === undefined || v === '' ? def : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
    z.number({ error: 'expected a positive integer' }).int().min(1).max(max),
  );

/** A comma-separated list; blank entries dropped. */
export const commaList = (def: string[]) =>
  z.preprocess(
    (v) =>
      v === undefined || v === ''
        ? def
        : typeof v === 'string'
          ? v
              .split(',')
              .map((s) => s.trim())
              .filter(Boolean)
          : v,
    z.array(z.string()),
  );

/** An optional URL (endpoint overrides). */
export const optionalUrl = () => z.preprocess(blankToUndefined, z.url('expected a URL').optional());

/** An S3 key prefix: no leading slash, ends with `/`. */
export const s3Prefix = (def: string) =>
  z.preprocess(
    blankToUndefined,
    z
      .string()
      .default(def)
      .refine((s) => !s.startsWith('/') && s.endsWith('/'), 'must not start with / and must end with /'),
  );

export const logLevel = () =>
  z.preprocess(blankToUndefined, z.enum(['debug', 'info', 'warn', 'error']).default('info'));

/**
 * Settings every service shares: region and the SDK's standard endpoint variables, which redirect
 * the same clients to the embedded emulators in local runs and tests.
 */
export const awsSettings = {
  AWS_REGION: stringWithDefault('us-east-1'),
  AWS_ENDPOINT_URL_DYNAMODB: optionalUrl(),
  AWS_ENDPOINT_URL_S3: optionalUrl(),
  AWS_ENDPOINT_URL_ATHENA: optionalUrl(),
  AWS_ENDPOINT_URL_GLUE: optionalUrl(),
  /** Upper bound on attempts per AWS call (the SDK retries throttling and 5xx with backoff). */
  AWS_MAX_ATTEMPTS: positiveInt(8, 20),
  LOG_LEVEL: logLevel(),
};

export type AwsSettings = z.infer<z.ZodObject<typeof awsSettings>>;
