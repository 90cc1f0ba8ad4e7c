/**
 * Words for what a path is when it is not the regular file a bundle must hold, for messages.
 *
 * @module
 */

/**
 * "a symbolic link", "a FIFO", "a character device", … for `info` (from `Deno.lstat`).
 *
 * @example
 * ```ts
 * import { describeNonFile } from "./file_kind.ts";
 * console.log(describeNonFile(await Deno.lstat("/dev/null"))); // a character device
 * ```
 */
export function describeNonFile(info: Deno.FileInfo): string {
  if (info.isSymlink) return "a symbolic link";
  if (info.isDirectory) return "a directory";
  if (info.isFifo) return "a FIFO";
  if (info.isCharDevice) return "a character device";
  if (info.isBlockDevice) return "a block device";
  if (info.isSocket) return "a socket";
  return "not a regular file";
}
