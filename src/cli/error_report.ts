/**
 * How the CLI reports a failure: one `error: …` line and an exit code. An {@link ObentoError} says what went
 * wrong in its own words; an operating-system error that escaped (a file, a directory, a permission) is
 * reworded into one line that names the path; anything else is a bug in obento, reported as an internal
 * error in one line, with the stack trace only in debug mode (`OBENTO_DEBUG=1`).
 *
 * @module
 */
import { exitCodeOf, messageOf, ObentoError } from "../errors.ts";
import { cliMessage } from "./option_flags.ts";

const OS_ERROR = /^(.+?) \(os error \d+\): (\w+) '([^']*)'(?: -> '([^']*)')?$/;

/**
 * An operating-system error (Deno's file-system errors) as an {@link ObentoError}: NotFound and
 * NotADirectory (a path through a file) → NOT_FOUND (exit 66), AlreadyExists → CONFLICT (73), any other →
 * UNAVAILABLE (69); the message names the path and the operation. Undefined for anything that is not an operating-system error.
 *
 * @example
 * ```ts
 * import { systemError } from "./error_report.ts";
 * const error = systemError(new Deno.errors.NotFound("No such file or directory (os error 2): open '/x/y'"));
 * console.log(error?.message, error?.exitCode); // cannot open /x/y: no such file or directory 66
 * ```
 */
export function systemError(error: unknown): ObentoError | undefined {
  if (!(error instanceof Error)) return undefined;
  const isOs = error instanceof Deno.errors.NotFound || error instanceof Deno.errors.AlreadyExists ||
    error instanceof Deno.errors.PermissionDenied || error instanceof Deno.errors.NotADirectory ||
    error instanceof Deno.errors.IsADirectory || error instanceof Deno.errors.FilesystemLoop ||
    error instanceof Deno.errors.NotSupported || OS_ERROR.test(error.message);
  if (!isOs) return undefined;
  const parts = OS_ERROR.exec(messageOf(error));
  const message = parts === null
    ? messageOf(error)
    : `cannot ${parts[2]} ${parts[3]}${parts[4] === undefined ? "" : ` to ${parts[4]}`}: ${
      parts[1].charAt(0).toLowerCase() + parts[1].slice(1)
    }`;
  const hint = /no space left on device/i.test(message) ? "; free some space and run the command again" : "";
  const code = error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory
    ? "NOT_FOUND"
    : error instanceof Deno.errors.AlreadyExists
    ? "CONFLICT"
    : "UNAVAILABLE";
  return new ObentoError(code, message + hint, { cause: error });
}

/** What to print for a failure, and the exit code. */
export interface ErrorReport {
  /** The text for stderr: one `error: …` line (plus stack traces in debug mode). */
  text: string;
  /** The process exit code. */
  exitCode: number;
}

function stackOf(error: unknown): string {
  if (!(error instanceof Error) || !error.stack) return "";
  const cause = error.cause === undefined ? "" : `caused by: ${stackOf(error.cause) || String(error.cause)}`;
  return `${error.stack}\n${cause}`;
}

/**
 * The report for any thrown value.
 *
 * @param error what was thrown
 * @param debug print stack traces (of the error and its causes) after the line
 *
 * @example
 * ```ts
 * import { ObentoError } from "../errors.ts";
 * import { errorReport } from "./error_report.ts";
 * const report = errorReport(new ObentoError("NOT_FOUND", "no bundle named Nope"), false);
 * console.log(report.text, report.exitCode); // error: no bundle named Nope\n 66
 * ```
 */
export function errorReport(error: unknown, debug: boolean): ErrorReport {
  const known = error instanceof ObentoError ? error : systemError(error);
  const line = known !== undefined
    ? `error: ${cliMessage(known)}\n`
    : `error: internal error: ${messageOf(error)} (a bug in obento; run again with OBENTO_DEBUG=1 ` +
      `for the stack trace, and report it)\n`;
  return {
    text: debug ? line + stackOf(error) : line,
    exitCode: exitCodeOf(known ?? error),
  };
}
