/**
 * Checks, before a run loads its model or reads a record, that an output file (`--output`, `--errors`) can be
 * written where it is asked for: its directory exists, it is not itself a directory, and it does not exist
 * unless the run may replace or continue it.
 *
 * @module
 */
import { dirname } from "node:path";
import { ObentoError } from "../errors.ts";

/** Options for {@link checkOutputPath}. */
export interface OutputPathOptions {
  /** The flag that named the file, for messages (default "--output"). */
  flag?: string;
  /** An existing file may be replaced (`--overwrite`). */
  overwrite?: boolean;
  /** An existing file may be continued (`--resume`). */
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
 * @param options the flag's name, and whether an existing file may be replaced or continued
 * @throws {ObentoError} NOT_FOUND (exit 66) when the directory is missing or is not a directory;
 * BAD_ARGUMENT when `path` is a directory; CONFLICT (exit 73) when `path` exists and neither `overwrite` nor
 * `resume` is set
 *
 * @example
 * ```ts
 * import { checkOutputPath } from "./output_path.ts";
 * await checkOutputPath("/tmp/predictions.csv", { overwrite: true }); // fine: /tmp exists
 * await checkOutputPath("/no/such/dir/out.csv").catch((e) => console.log(e.message));
 * // --output /no/such/dir/out.csv: the directory /no/such/dir does not exist; create it first
 * ```
 */
export async function checkOutputPath(path: string, options: OutputPathOptions = {}): Promise<void> {
  const flag = options.flag ?? "--output";
  const dir = dirname(path);
  const dirInfo = await statOrUndefined(dir);
  if (dirInfo === undefined) {
    throw new ObentoError(
      "NOT_FOUND",
      `${flag} ${path}: the directory ${dir} does not exist; create it first (mkdir -p ${dir})`,
    );
  }
  if (!dirInfo.isDirectory) {
    throw new ObentoError("NOT_FOUND", `${flag} ${path}: ${dir} is not a directory`);
  }
  const info = await statOrUndefined(path);
  if (info === undefined) return;
  if (info.isDirectory) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `${flag} ${path} is a directory; give a file name (e.g. ${path}/predictions.csv)`,
    );
  }
  if (options.overwrite || options.resume) return;
  throw new ObentoError(
    "CONFLICT",
    `${path} exists; pass --overwrite to replace it, --resume to continue the run that wrote it, or choose ` +
      `another ${flag}`,
  );
}
