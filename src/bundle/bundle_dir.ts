/**
 * What makes a directory a bundle: a `bento.yaml` in it. One error for a directory without one, given alike
 * by a reference that names it (src/registry/resolve_ref.ts) and by loading it (src/runtime/load.ts).
 *
 * @module
 */
import { join } from "node:path";
import { ObentoError } from "../errors.ts";

/**
 * The error for directory `path`, which exists but holds no `bento.yaml`.
 *
 * @example
 * ```ts
 * import { notABundleDirectory } from "./bundle_dir.ts";
 * console.log(notABundleDirectory("/tmp/x").message); // /tmp/x has no bento.yaml; it is not a bundle …
 * ```
 */
export function notABundleDirectory(path: string): ObentoError {
  return new ObentoError(
    "BAD_BUNDLE",
    `${path} has no bento.yaml; it is not a bundle directory written by pack`,
  );
}

/** True when `path` is a directory (false when it does not exist or is not one). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound || error instanceof Deno.errors.NotADirectory) return false;
    throw error;
  }
}

/**
 * Throws {@link notABundleDirectory} when `path` is a directory without `bento.yaml`; a missing path or a
 * real bundle passes (the caller's read of `bento.yaml` reports a missing one).
 *
 * @throws {ObentoError} BAD_BUNDLE for a directory that is not a bundle.
 *
 * @example
 * ```ts
 * import { checkNotBareDirectory } from "./bundle_dir.ts";
 * await checkNotBareDirectory("bundles/Echo/1");
 * ```
 */
export async function checkNotBareDirectory(path: string): Promise<void> {
  if (!await isDirectory(path)) return;
  try {
    await Deno.stat(join(path, "bento.yaml"));
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) throw notABundleDirectory(path);
    throw error;
  }
}
