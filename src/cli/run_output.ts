/**
 * The output side of `obento run`: the format (from `--format`, else the `--output` file's extension, else
 * JSON), and how failed records and the end of a run are reported on stderr.
 *
 * @module
 */
import { extname } from "node:path";
import { ObentoError } from "../errors.ts";
import type { RecordFailure } from "../batch/chunk.ts";
import { OUTPUT_FORMATS, type OutputFormat } from "../batch/sink.ts";

const BY_EXTENSION: Record<string, OutputFormat> = {
  ".csv": "csv",
  ".jsonl": "jsonl",
  ".ndjson": "jsonl",
  ".json": "json",
  ".parquet": "parquet",
};

/**
 * The output format: `--format`, else the output file's extension, else json.
 *
 * @throws {ObentoError} BAD_ARGUMENT for an unknown `--format`, or Parquet to stdout
 *
 * @example
 * ```ts
 * import { outputFormat } from "./run_output.ts";
 * console.log(outputFormat(undefined, "out/predictions.csv")); // csv
 * ```
 */
export function outputFormat(flag: string | undefined, output: string | undefined): OutputFormat {
  const format =
    (flag ?? (output ? BY_EXTENSION[extname(output).toLowerCase()] : undefined) ?? "json") as OutputFormat;
  if (!OUTPUT_FORMATS.includes(format)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento run: --format must be one of ${OUTPUT_FORMATS.join(", ")}, got "${format}"`,
    );
  }
  if (format === "parquet" && output === undefined) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: Parquet output needs --output FILE (it is not written to stdout)",
    );
  }
  return format;
}

/** Options for {@link failurePrinter}. */
export interface FailurePrinterOptions {
  /** Writes to stderr. */
  err: (text: string) => void;
  /** "row" or "item", or "" for a single request body (no number). */
  word: string;
  /** Failures printed at most (default 20); the rest are counted. */
  limit?: number;
}

/**
 * Prints failed records to stderr as `error: row 7: message (status 400)`, the first `limit` of them.
 *
 * @returns the callback, and `hidden()`: how many were not printed
 */
export function failurePrinter(
  options: FailurePrinterOptions,
): { print: (record: number, failure: RecordFailure) => void; hidden: () => number } {
  const limit = options.limit ?? 20;
  let seen = 0;
  return {
    print(record: number, failure: RecordFailure): void {
      seen++;
      if (seen > limit) return;
      const where = options.word === "" ? "" : `${options.word} ${record}: `;
      options.err(`error: ${where}${failure.message} (status ${failure.status})\n`);
    },
    hidden: () => Math.max(0, seen - limit),
  };
}

/** What a finished run did, for {@link failedRunLine}. */
export interface RunCounts {
  /** Records that went through. */
  rows: number;
  /** Records that failed. */
  failed: number;
  /** Whether the output was written (false when every record failed). */
  written: boolean;
}

/**
 * The last line of a run in which more records failed than `--max-errors` allows: how many of how many,
 * what was not written, and where the failures are.
 *
 * @param counts the run's counts
 * @param word "row" or "item"
 * @param output the `--output` flag as given, or undefined for stdout
 * @param errors the `--errors` flag as given, or undefined
 *
 * @example
 * ```ts
 * import { failedRunLine } from "./run_output.ts";
 * console.log(failedRunLine({ rows: 147, failed: 3, written: true }, "row", "out.csv", "errors.csv"));
 * // error: 3 of 150 rows failed; see errors.csv; --max-errors N allows up to N
 * ```
 */
export function failedRunLine(
  counts: RunCounts,
  word: string,
  output: string | undefined,
  errors: string | undefined,
): string {
  const total = counts.rows + counts.failed;
  const what = counts.written
    ? `${counts.failed} of ${total} ${word}s failed`
    : `${total === 1 ? `the only ${word}` : `all ${total} ${word}s`} failed, so ${
      output === undefined ? "nothing was written" : `${output} was not written`
    }`;
  const where = errors !== undefined ? `; see ${errors}` : " (listed above; --errors FILE keeps them all)";
  return `error: ${what}${where}; --max-errors N allows up to N\n`;
}
