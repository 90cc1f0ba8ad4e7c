/**
 * File-system probes shared by the bundler's modules.
 *
 * @module
 */

/**
 * Tells whether `path` is a file (following links); `false` when it is missing or unreadable.
 *
 * @param path The path to probe.
 * @returns Whether it is a file.
 *
 * @example
 * ```ts
 * import { isFile } from "./_fs.ts";
 * console.log(await isFile("deno.json")); // true
 * ```
 */
export async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
}
