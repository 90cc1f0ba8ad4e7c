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
