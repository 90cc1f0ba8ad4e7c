/**
 * Checks, before a run loads its model or reads a record, that an output file (`--output`, `--errors`) can be
 * written where it is asked for: its directory exists, it is not itself a directory, and it does not exist
 * unless the run may replace or continue it.
 *
 * @module
 */
import { type OptionNamer, sdkOptionName } from "../option_name.ts";
import { dirname } from "node:path";
import { ObentoError } from "../errors.ts";

/** Options for {@link checkOutputPath}. */
export interface OutputPathOptions {
  /** The option that named the file, for messages (default `outputPath`; `obento run` also checks `errorsPath`). */
  option?: string;
  /**
   * How messages name options (src/option_name.ts): default as they are (`outputPath`, `overwrite`, `resume`);
   * `obento run` passes its flags' names (`--output`, `--overwrite`, `--resume`).
   */
  optionName?: OptionNamer;
  /** An existing file may be replaced. */
  overwrite?: boolean;
  /** An existing file may be continued (a resumed run). */
  resume?: boolean;
}

async function statOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.stat(path);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return undefined;
    throw error;
  }
}

/**
 * Checks that `path` may be written (see the module doc).
 *
 * @param path the output file, absolute
 * @param options the option's name and how to name it, and whether an existing file may be replaced or continued
 * @throws {ObentoError} NOT_FOUND (exit 66) when the directory is missing or is not a directory;
 * BAD_ARGUMENT when `path` is a directory; CONFLICT (exit 73) when `path` exists and neither `overwrite` nor
 * `resume` is set
 *
 * @example
 * ```ts
 * import { checkOutputPath } from "./output_path.ts";
 * await checkOutputPath("/tmp/predictions.csv", { overwrite: true }); // fine: /tmp exists
 * await checkOutputPath("/no/such/dir/out.csv").catch((e) => console.log(e.message));
 * // outputPath /no/such/dir/out.csv: the directory /no/such/dir does not exist; create it first (mkdir -p /no/such/dir)
 * ```
 */
export async function checkOutputPath(path: string, options: OutputPathOptions = {}): Promise<void> {
  const name = options.optionName ?? sdkOptionName;
  const what = name(options.option ?? "outputPath");
  const dir = dirname(path);
  const dirInfo = await statOrUndefined(dir);
  if (dirInfo === undefined) {
    throw new ObentoError(
      "NOT_FOUND",
      `${what} ${path}: the directory ${dir} does not exist; create it first (mkdir -p ${dir})`,
    );
  }
  if (!dirInfo.isDirectory) {
    throw new ObentoError("NOT_FOUND", `${what} ${path}: ${dir} is not a directory`);
  }
  const info = await statOrUndefined(path);
  if (info === undefined) return;
  if (info.isDirectory) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `${what} ${path} is a directory; give a file name (e.g. ${path}/predictions.csv)`,
    );
  }
  if (options.overwrite || options.resume) return;
  throw new ObentoError(
    "CONFLICT",
    `${path} exists; pass ${name("overwrite")} to replace it, ${
      name("resume")
    } to continue the run that wrote ` +
      `it, or choose another ${what}`,
  );
}
