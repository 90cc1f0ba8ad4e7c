/**
 * Writes a directory all at once: everything goes into a temporary sibling, which is renamed to the output
 * path only when complete. An existing output is refused unless `force`; on failure nothing is left behind.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { ObentoError } from "../errors.ts";

/** Options for {@link writeDirectory}. */
export interface WriteDirectoryOptions {
  /** Replace an existing output directory (default false: refuse with CONFLICT). */
  force?: boolean;
  /** What the caller calls the flag, for messages (default "--output"). */
  flag?: string;
}

async function kindOf(path: string): Promise<"missing" | "directory" | "other"> {
  try {
    return (await Deno.lstat(path)).isDirectory ? "directory" : "other";
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "missing";
    throw error;
  }
}

/**
 * The checks {@link writeDirectory} makes before it writes, for a caller to make before slow work: the parent
 * exists, and `output` does not (or is a directory and `force` is set).
 *
 * @param output the directory to create
 * @param options `force` and the flag's name for messages
 * @returns whether `output` exists now (as a directory, to be replaced)
 * @throws {ObentoError} CONFLICT or NOT_FOUND, as {@link writeDirectory}
 *
 * @example
 * ```ts
 * import { checkOutputDirectory } from "./output_dir.ts";
 * console.log(await checkOutputDirectory(`${await Deno.makeTempDir()}/site`)); // missing
 * ```
 */
export async function checkOutputDirectory(
  output: string,
  options: WriteDirectoryOptions = {},
): Promise<"missing" | "directory"> {
  const flag = options.flag ?? "--output";
  const parent = dirname(output);
  if ((await kindOf(parent)) !== "directory") {
    throw new ObentoError(
      "NOT_FOUND",
      `${flag} ${output}: the directory ${parent} does not exist; create it first`,
    );
  }
  const existing = await kindOf(output);
  if (existing === "other") {
    throw new ObentoError("CONFLICT", `${flag} ${output} exists and is not a directory; choose another path`);
  }
  if (existing === "directory" && options.force !== true) {
    throw new ObentoError("CONFLICT", `${flag} ${output} already exists; give --force to replace it`);
  }
  return existing;
}

/**
 * Creates `output` with the files `fill` writes into the directory it is given (a temporary sibling of
 * `output`, renamed into place once `fill` resolves).
 *
 * @param output the directory to create
 * @param fill writes the contents into the directory it is passed
 * @throws {ObentoError} CONFLICT when `output` exists and `force` is not set (or is not a directory);
 *   NOT_FOUND when its parent directory does not exist; whatever `fill` throws, after removing its work
 *
 * @example
 * ```ts
 * import { join } from "node:path";
 * import { writeDirectory } from "./output_dir.ts";
 * const out = join(await Deno.makeTempDir(), "context");
 * await writeDirectory(out, async (dir) => await Deno.writeTextFile(join(dir, "a.txt"), "hi"));
 * console.log(await Deno.readTextFile(join(out, "a.txt"))); // hi
 * ```
 */
export async function writeDirectory(
  output: string,
  fill: (dir: string) => Promise<void>,
  options: WriteDirectoryOptions = {},
): Promise<void> {
  const existing = await checkOutputDirectory(output, options);
  const parent = dirname(output);
  const temp = await Deno.makeTempDir({ dir: parent, prefix: `.${basename(output)}.partial-` });
  try {
    await fill(temp);
    if (existing === "directory") {
      // Move the old one aside first, so a failed rename leaves it in place.
      const old = join(parent, `.${basename(output)}.old-${crypto.randomUUID().slice(0, 8)}`);
      await Deno.rename(output, old);
      try {
        await Deno.rename(temp, output);
      } catch (error) {
        await Deno.rename(old, output);
        throw error;
      }
      await Deno.remove(old, { recursive: true });
    } else {
      await Deno.rename(temp, output);
    }
  } catch (error) {
    await Deno.remove(temp, { recursive: true }).catch(() => {});
    throw error;
  }
}
