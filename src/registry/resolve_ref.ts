/**
 * Turns what a user typed to name a bundle into a directory: a bundle directory path wins, otherwise
 * `Name`, `Name:version` or `Name:latest` through the registry.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { ObentoError } from "../errors.ts";
import type { Registry } from "./registry.ts";
import { isDirectory, notABundleDirectory } from "../bundle/bundle_dir.ts";

/** Options for {@link resolveBundleRef}. */
export interface ResolveBundleRefOptions {
  /** The directory relative paths resolve against. */
  cwd: string;
  /** The registry to look names up in. Default: none (only paths resolve). */
  registry?: Registry;
}

/** Where a reference led. */
export interface ResolvedBundleRef {
  /** The bundle directory. */
  readonly path: string;
  /** The bundle name, when it came from the registry. */
  readonly name?: string;
  /** The bundle version, when it came from the registry. */
  readonly version?: string;
}

/**
 * Whether `ref` has the shape of a registry reference (`Name`, `Name:version`, `Name:latest`) rather than only
 * a path. A name may also be a directory; {@link resolveBundleRef} tries the directory first.
 *
 * @example
 * ```ts
 * import { isRegistryRef } from "./resolve_ref.ts";
 * console.log(isRegistryRef("IrisClassifier:latest"), isRegistryRef("./iris-bundle")); // true false
 * ```
 */
export function isRegistryRef(ref: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)?$/.test(ref) && !ref.includes("..");
}

/**
 * Resolves a bundle reference: a directory holding bento.yaml (absolute or relative to `cwd`), else a
 * registry bundle.
 *
 * @throws {ObentoError} NOT_FOUND naming both places looked in; BAD_BUNDLE for a directory without bento.yaml
 *   that is not a registry name either
 *
 * @example
 * ```ts
 * import { openRegistry, resolveBundleRef } from "./mod.ts";
 * const registry = await openRegistry({ home: await Deno.makeTempDir() });
 * try {
 *   await resolveBundleRef("IrisClassifier:latest", { cwd: Deno.cwd(), registry });
 * } catch (error) {
 *   console.log((error as Error).message); // no bundle directory ./IrisClassifier:latest and no registry bundle…
 * } finally {
 *   registry.close();
 * }
 * ```
 */
export async function resolveBundleRef(
  ref: string,
  options: ResolveBundleRefOptions,
): Promise<ResolvedBundleRef> {
  if (ref === "") {
    throw new ObentoError("BAD_ARGUMENT", "empty bundle reference; give a directory or Name:version");
  }
  const path = resolve(options.cwd, ref);
  const dir = await isDirectory(path);
  if (dir) {
    try {
      await Deno.stat(join(path, "bento.yaml"));
      return { path };
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
  }
  const shown = ref.startsWith("/") || ref.startsWith(".") ? ref : `./${ref}`;
  const looksLikeName = isRegistryRef(ref);
  if (options.registry && looksLikeName) {
    try {
      const found = await options.registry.resolve(ref);
      return { path: found.path, name: found.name, version: found.version };
    } catch (error) {
      if (!(error instanceof ObentoError && error.code === "NOT_FOUND")) throw error;
    }
  }
  if (dir) {
    throw notABundleDirectory(path);
  }
  throw new ObentoError(
    "NOT_FOUND",
    options.registry && looksLikeName
      ? `no bundle directory ${shown} and no registry bundle ${ref}; run \`obento list\``
      : `no bundle directory ${shown}${looksLikeName ? "" : " (and it is not a Name:version reference)"}`,
  );
}
