/**
 * The input side of `obento run`: `--input JSON`, or `--input-file` (a CSV, JSON lines, JSON or Parquet file,
 * a folder or glob of files, one other file, or `-` for stdin) with an optional `--input-format`, opened as a
 * batch source. A sandboxed run reads stdin from the copy src/cli/stdin_spool.ts made of it.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { INPUT_FORMATS, type InputFormat } from "../batch/source_types.ts";
import type { BatchSource } from "../batch/source_types.ts";
import { inlineSource } from "../batch/inline_source.ts";
import { openSource, stdinFormat } from "../batch/source.ts";

/** The input flags of one `obento run`. */
export interface RunInputFlags {
  /** `--input`: one request body as JSON text. */
  input?: string;
  /** `--input-file`: a file, folder, glob, or "-". */
  inputFile?: string;
  /** `--input-format`. */
  inputFormat?: string;
}

/**
 * `--input-format`, checked; for stdin, one that stdin can be read in.
 *
 * @throws {ObentoError} BAD_ARGUMENT for an unknown format, or files or Parquet on stdin
 *
 * @example
 * ```ts
 * import { inputFormat } from "./run_input.ts";
 * console.log(inputFormat({ inputFile: "-" }), inputFormat({ inputFile: "rows.txt", inputFormat: "csv" })); // json csv
 * ```
 */
export function inputFormat(flags: RunInputFlags): InputFormat | undefined {
  const format = flags.inputFormat as InputFormat | undefined;
  if (format !== undefined && !INPUT_FORMATS.includes(format)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `obento run: --input-format must be one of ${INPUT_FORMATS.join(", ")}, got "${format}"`,
    );
  }
  return flags.inputFile === "-" ? stdinFormat(format) : format;
}

/**
 * Opens the input the flags name.
 *
 * @param flags the flags
 * @param cwd what relative paths are relative to
 * @param stdinCopy where stdin was copied (src/cli/stdin_spool.ts), for `--input-file -`: the source reads
 *   the copy, named "stdin", with no identity (`--resume` cannot tell that stdin is the same input)
 * @returns the source
 * @throws {ObentoError} BAD_ARGUMENT unless exactly one of `--input` and `--input-file` is given, or for an
 * unknown `--input-format`; NOT_FOUND for a missing file
 *
 * @example
 * ```ts
 * import { openRunInput } from "./run_input.ts";
 * const source = await openRunInput({ inputFile: "rows.csv" }, Deno.cwd());
 * ```
 */
export async function openRunInput(
  flags: RunInputFlags,
  cwd: string,
  stdinCopy?: string,
): Promise<BatchSource> {
  if ((flags.input === undefined) === (flags.inputFile === undefined)) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      "obento run: give exactly one of --input JSON or --input-file FILE",
    );
  }
  const format = inputFormat(flags);
  if (flags.input !== undefined) return inlineSource(flags.input, "--input");
  if (flags.inputFile !== "-" || stdinCopy === undefined) {
    return await openSource({ path: flags.inputFile!, format }, cwd);
  }
  const copy = await openSource({ path: stdinCopy, format, name: "stdin" }, cwd);
  return {
    name: copy.name,
    single: copy.single,
    total: copy.total,
    identity: () => Promise.resolve(undefined),
    chunks: (options) => copy.chunks(options),
  };
}

/** The word for a record in messages: "row" for table inputs, "item" for request bodies. */
export function recordWord(flags: RunInputFlags): string {
  const f = flags.inputFormat ?? flags.inputFile?.toLowerCase() ?? "";
  return /(^|\.)(csv|parquet)$/.test(f) ? "row" : "item";
}
