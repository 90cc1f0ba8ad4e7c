/**
 * The rule both `retrieve`s (local and remote) keep: obento never overwrites a directory it copies a
 * bundle into.
 *
 * @module
 */
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
  throw new ObentoError(
    "CONFLICT",
    `${targetDir} already exists; choose a new --target-dir (obento never overwrites a directory)`,
  );
}
