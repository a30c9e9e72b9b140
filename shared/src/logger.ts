/**
 * Structured JSON logger. Messages are constant strings; data goes in fields.
 * Never pass names, e-mail addresses or message text as fields: they are personal data.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Where log lines go. Defaults to stdout; tests and the local runner swap it to capture lines. */
export type LogSink = (line: string) => void;

let sink: LogSink = (line) => process.stdout.write(`${line}\n`);

/** Replace the process-wide sink; returns the previous one so callers can restore it. */
export function setLogSink(next: LogSink): LogSink {
  const previous = sink;
  sink = next;
  return previous;
}

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger that adds `fields` to every line. */
  child(fields: LogFields): Logger;
}

/** Create a logger for one service. `level` below which lines are dropped (default `info`). */
export function createLogger(service: string, level: LogLevel = 'info', base: LogFields = {}): Logger {
  const threshold = LEVELS[level];
  const emit = (lvl: LogLevel, message: string, fields?: LogFields) => {
    if (LEVELS[lvl] < threshold) return;
    sink(JSON.stringify({ level: lvl, time: new Date().toISOString(), service, message, ...base, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(service, level, { ...base, ...fields }),
  };
}
