/**
 * The rule both `retrieve`s (local and remote) keep: obento never overwrites a directory it copies a
 * bundle into.
 *
 * @module
 */
import { dirname } from "node:path";
import { ObentoError } from "../errors.ts";

/**
 * Resolves when nothing exists at `targetDir`.
 *
 * @throws {ObentoError} CONFLICT when something does
 */
export async function assertNewTargetDir(targetDir: string): Promise<void> {
  try {
    await Deno.lstat(targetDir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  throw targetDirExists(targetDir);
}

/**
 * The CONFLICT for a retrieve into `targetDir`, which exists. It names the option `targetDir` (the CLI
 * reports it as `--target-dir`).
 *
 * @example
 * ```ts
 * import { targetDirExists } from "./target_dir.ts";
 * console.log(targetDirExists("/tmp/iris").message);
 * // /tmp/iris already exists; choose a new targetDir (obento never overwrites a directory)
 * ```
 */
export function targetDirExists(targetDir: string): ObentoError {
  return new ObentoError(
    "CONFLICT",
    `${targetDir} already exists; choose a new targetDir (obento never overwrites a directory)`,
    { option: "targetDir" },
  );
}

/**
 * Creates `targetDir` (and its parents), failing with {@link targetDirExists} when it exists: the one
 * atomic check both stores' `copyOut` make before writing into it.
 *
 * @example
 * ```ts
 * import { createTargetDir } from "./target_dir.ts";
 * await createTargetDir("/tmp/iris-copy"); // a second call throws CONFLICT
 * ```
 */
export async function createTargetDir(targetDir: string): Promise<void> {
  await Deno.mkdir(dirname(targetDir), { recursive: true });
  try {
    await Deno.mkdir(targetDir);
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) throw targetDirExists(targetDir);
    throw error;
  }
}
