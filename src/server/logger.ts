/**
 * The server's logger: lines at a level (`debug`, `info`, `warn`, `error`), dropped below the configured
 * level, written as plain text or as JSON lines (`{"time","level","msg",…fields}`) to a sink the CLI passes
 * down (stderr for `obento serve`). The CLI reads `--log-level` and `--log-format` once; nothing here reads the
 * environment.
 *
 * @module
 */

/** How much is logged, least severe first. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/** How a line is written: `text` for people, `json` for log collectors (one JSON object per line). */
export type LogFormat = "text" | "json";

/** Every level, least severe first. */
export const LOG_LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

/** Every format. */
export const LOG_FORMATS: readonly LogFormat[] = ["text", "json"];

/** Extra values of a line: JSON fields, or `key=value` pairs in text. */
export type LogFields = Readonly<Record<string, string | number | boolean | null | undefined>>;

/** Options for {@link createLogger}. */
export interface LoggerOptions {
  /** Lines below this level are dropped. Default `info`. */
  level?: LogLevel;
  /** Text or JSON lines. Default `text`. */
  format?: LogFormat;
  /** Receives each line, without its newline. */
  write: (line: string) => void;
  /** The clock for JSON `time` fields. Default `Date.now`. */
  now?: () => number;
}

/** Writes log lines at a level. */
export interface Logger {
  /** The format lines are written in. */
  readonly format: LogFormat;
  /** True when a line at `level` would be written (skip building one that would not). */
  enabled(level: LogLevel): boolean;
  /**
   * Writes `message` at `level`. Text: the message, then ` key=value` per field, then `detail` on the lines
   * below (a stack trace). JSON: `{"time","level","msg",…fields}` with `detail` as a `stack` field.
   */
  log(level: LogLevel, message: string, fields?: LogFields, detail?: string): void;
  /** {@link log} at `debug`. */
  debug(message: string, fields?: LogFields): void;
  /** {@link log} at `info`. */
  info(message: string, fields?: LogFields): void;
  /** {@link log} at `warn`. */
  warn(message: string, fields?: LogFields): void;
  /** {@link log} at `error`; `detail` (a stack) goes on the lines below in text. */
  error(message: string, fields?: LogFields, detail?: string): void;
}

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A text field value: bare when it has no space, quote or `=`, else JSON-quoted. */
function textValue(value: string | number | boolean | null): string {
  const s = String(value);
  return s !== "" && !/[\s"=]/.test(s) ? s : JSON.stringify(s);
}

/**
 * Makes a logger.
 *
 * @example
 * ```ts
 * import { createLogger } from "./logger.ts";
 * const lines: string[] = [];
 * const logger = createLogger({ level: "info", format: "json", write: (l) => lines.push(l), now: () => 0 });
 * logger.debug("dropped");
 * logger.info("listening", { url: "http://127.0.0.1:3000" });
 * console.log(lines); // ['{"time":"1970-01-01T00:00:00.000Z","level":"info","msg":"listening","url":"http://127.0.0.1:3000"}']
 * ```
 */
export function createLogger(options: LoggerOptions): Logger {
  const threshold = RANK[options.level ?? "info"];
  const format = options.format ?? "text";
  const now = options.now ?? Date.now;
  const write = options.write;
  const enabled = (level: LogLevel) => RANK[level] >= threshold;
  const log = (level: LogLevel, message: string, fields: LogFields = {}, detail?: string) => {
    if (RANK[level] < threshold) return;
    if (format === "json") {
      const record: Record<string, unknown> = { time: new Date(now()).toISOString(), level, msg: message };
      for (const key in fields) if (fields[key] !== undefined) record[key] = fields[key];
      if (detail !== undefined) record.stack = detail;
      write(JSON.stringify(record));
      return;
    }
    let line = message;
    for (const key in fields) {
      const value = fields[key];
      if (value !== undefined) line += ` ${key}=${textValue(value)}`;
    }
    if (detail !== undefined) line += `\n${detail.replace(/^/gm, "    ").trimEnd()}`;
    write(line);
  };
  return {
    format,
    enabled,
    log,
    debug: (message, fields) => log("debug", message, fields),
    info: (message, fields) => log("info", message, fields),
    warn: (message, fields) => log("warn", message, fields),
    error: (message, fields, detail) => log("error", message, fields, detail),
  };
}
