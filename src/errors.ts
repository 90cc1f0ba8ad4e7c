/**
 * One error hierarchy for obento. Every failure a user can cause or meet is an {@link ObentoError} with a
 * {@link ErrorCode}; {@link httpStatusOf} and {@link exitCodeOf} map a code to an HTTP status and a process
 * exit code in one table, so the CLI and the server agree.
 *
 * @module
 */

/** What went wrong, in a word the CLI, the server and tests can switch on. */
export type ErrorCode =
  | "BAD_INPUT"
  | "BAD_ARGUMENT"
  | "BAD_SERVICE"
  | "BAD_BUNDLE"
  | "BAD_MODEL"
  | "NOT_FOUND"
  | "UNAUTHORIZED"
  | "FORBIDDEN"
  | "CONFLICT"
  | "INTEGRITY"
  | "UNAVAILABLE"
  | "TIMEOUT"
  | "INTERNAL";

const TABLE: Record<ErrorCode, { status: number; exit: number }> = {
  BAD_INPUT: { status: 400, exit: 65 }, // EX_DATAERR
  BAD_ARGUMENT: { status: 400, exit: 64 }, // EX_USAGE
  BAD_SERVICE: { status: 500, exit: 65 },
  BAD_BUNDLE: { status: 500, exit: 65 },
  BAD_MODEL: { status: 500, exit: 65 },
  NOT_FOUND: { status: 404, exit: 66 }, // EX_NOINPUT
  UNAUTHORIZED: { status: 401, exit: 77 }, // EX_NOPERM: no token, or one the registry does not know
  FORBIDDEN: { status: 403, exit: 77 }, // EX_NOPERM: a token whose scope does not allow the request
  CONFLICT: { status: 409, exit: 73 }, // EX_CANTCREAT
  INTEGRITY: { status: 500, exit: 65 },
  UNAVAILABLE: { status: 503, exit: 69 }, // EX_UNAVAILABLE
  TIMEOUT: { status: 504, exit: 75 }, // EX_TEMPFAIL
  INTERNAL: { status: 500, exit: 70 }, // EX_SOFTWARE
};

/** Options for {@link ObentoError}. */
export interface ObentoErrorOptions {
  /** The error that caused this one. */
  cause?: unknown;
  /** An HTTP status to use instead of the code's default (e.g. 422 for a discarded item). */
  status?: number;
  /**
   * The library option the error is about (`maxBatchSize`), named as is in the message; the CLI reports it
   * under its flag's name instead (src/cli/option_flags.ts).
   */
  option?: string;
}

/**
 * The base of every error obento raises on purpose. The message names the bad value and how to fix it.
 *
 * @example
 * ```ts
 * import { ObentoError } from "./errors.ts";
 * const err = new ObentoError("NOT_FOUND", "no bundle named Iris:1; run `obento list` to see what exists");
 * console.log(err.code, err.status); // NOT_FOUND 404
 * ```
 */
export class ObentoError extends Error {
  /** What went wrong, as a word. */
  readonly code: ErrorCode;
  /** The HTTP status this error maps to. */
  readonly status: number;
  /** The library option the message names, when the error is about one (see {@link ObentoErrorOptions.option}). */
  readonly option?: string;

  /** Makes an error with a code and an actionable message. */
  constructor(code: ErrorCode, message: string, options: ObentoErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "ObentoError";
    this.code = code;
    this.status = options.status ?? TABLE[code].status;
    if (options.option !== undefined) this.option = options.option;
  }

  /** The process exit code this error maps to. */
  get exitCode(): number {
    return TABLE[this.code].exit;
  }
}

/** Input that an adapter or a model cannot accept; maps to HTTP 400. */
export class BadInputError extends ObentoError {
  /** Makes a bad-input error; `message` should name the field, row or column. */
  constructor(message: string, options: ObentoErrorOptions = {}) {
    super("BAD_INPUT", message, options);
    this.name = "BadInputError";
  }
}

/** The HTTP status for any thrown value: an {@link ObentoError}'s own status, else 500. */
export function httpStatusOf(error: unknown): number {
  return error instanceof ObentoError ? error.status : 500;
}

/** The process exit code for any thrown value: an {@link ObentoError}'s own code, else 70. */
export function exitCodeOf(error: unknown): number {
  return error instanceof ObentoError ? error.exitCode : TABLE.INTERNAL.exit;
}

/**
 * The exit code for a failure known only by its HTTP status (a failed record of `obento run`), from the same
 * table: 504 is TIMEOUT's, 503 UNAVAILABLE's, any other 5xx INTERNAL's, anything else BAD_INPUT's.
 *
 * @example
 * ```ts
 * import { exitCodeOfStatus } from "./errors.ts";
 * console.log(exitCodeOfStatus(504), exitCodeOfStatus(500), exitCodeOfStatus(400)); // 75 70 65
 * ```
 */
export function exitCodeOfStatus(status: number): number {
  if (status === TABLE.TIMEOUT.status) return TABLE.TIMEOUT.exit;
  if (status === TABLE.UNAVAILABLE.status) return TABLE.UNAVAILABLE.exit;
  return status >= 500 ? TABLE.INTERNAL.exit : TABLE.BAD_INPUT.exit;
}

/**
 * `text` on one line, its CRs and LFs written as the escapes `\r` and `\n`: for a message that quotes what a
 * client sent (a JSON parser's excerpt of the body, a form parser's header), which must stay one line.
 *
 * @example
 * ```ts
 * import { oneLine } from "./errors.ts";
 * console.log(oneLine('Unexpected token \'a\', "a\n" is not valid JSON')); // Unexpected token 'a', "a\n" is not valid JSON
 * ```
 */
export function oneLine(text: string): string {
  return text.replaceAll("\r", "\\r").replaceAll("\n", "\\n");
}

/** A one-line message for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
