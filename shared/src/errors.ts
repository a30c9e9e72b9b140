/**
 * Typed errors of the pipeline. Each has a fixed `name` so that Step Functions `Retry`/`Catch`
 * (which match on the error name) and callers can tell retryable faults from fatal ones.
 */

/** Base class: every error the project throws on purpose. */
export class CatiaError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CatiaError';
  }
}

/** A setting is missing or malformed. Thrown at cold start; never retryable. */
export class ConfigError extends CatiaError {
  constructor(
    message: string,
    readonly settings: string[],
  ) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The input as a whole cannot be processed (e.g. a CSV without a required column). Not retryable. */
export class InputError extends CatiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InputError';
  }
}

/** A transient fault of an outside system (throttling, 5xx, dropped connection). Safe to retry. */
export class RetryableError extends CatiaError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetryableError';
  }
}

/** A query failed in the query engine; carries the engine's own reason. */
export class QueryError extends CatiaError {
  constructor(
    message: string,
    readonly reason: string,
    readonly queryId?: string,
  ) {
    super(message);
    this.name = 'QueryError';
  }
}

/** Writing an output failed; the previous object at the key is untouched. */
export class OutputError extends CatiaError {
  constructor(
    message: string,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OutputError';
  }
}

/** A message safe to log: the error's name and message, never its payload. */
export function describeError(err: unknown): { errorName: string; errorMessage: string } {
  if (err instanceof Error) return { errorName: err.name, errorMessage: err.message };
  return { errorName: 'Unknown', errorMessage: String(err) };
}
