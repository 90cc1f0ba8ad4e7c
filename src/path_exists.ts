/**
 * One file-system probe used by pack and offline runs: does a path exist (without following a final link)?
 *
 * @module
 */

/**
 * Tells whether anything (file, folder or link, even a dangling one) is at `path`.
 *
 * @param path The path to probe.
 * @returns false only when nothing is there; other errors (permissions) are thrown.
 *
 * @example
 * ```ts
 * import { pathExists } from "./path_exists.ts";
 * console.log(await pathExists("deno.json"), await pathExists("no/such/file")); // true false
 * ```
 */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}
