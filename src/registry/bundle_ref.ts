/**
 * Bundle references: `Name`, `Name:version` and `Name:latest`.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";
import { validateName, validateVersion } from "../sdk/names.ts";

/** The version word that means "the newest version". */
export const LATEST = "latest";

/** A parsed reference. */
export interface BundleRef {
  /** Bundle name. */
  readonly name: string;
  /** The exact version, or undefined for the newest (`Name` or `Name:latest`). */
  readonly version?: string;
}

/**
 * Parses and checks `Name`, `Name:version` or `Name:latest`.
 *
 * @throws {ObentoError} BAD_ARGUMENT for an empty reference, path separators, `..`, or names and versions
 *   that break the naming rules
 *
 * @example
 * ```ts
 * import { parseBundleRef } from "./bundle_ref.ts";
 * parseBundleRef("Iris:20200121114004_360ECB"); // { name: "Iris", version: "20200121114004_360ECB" }
 * parseBundleRef("Iris:latest"); // { name: "Iris", version: undefined }
 * ```
 */
export function parseBundleRef(ref: string): BundleRef {
  if (ref === "") {
    throw new ObentoError(
      "BAD_ARGUMENT",
      'empty bundle reference; use "Name", "Name:version" or "Name:latest"',
    );
  }
  const colon = ref.indexOf(":");
  const name = colon < 0 ? ref : ref.slice(0, colon);
  const version = colon < 0 ? undefined : ref.slice(colon + 1);
  try {
    validateName(name, "bundle name");
    if (version !== undefined && version !== LATEST) validateVersion(version);
  } catch (error) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `bad bundle reference ${JSON.stringify(ref)}: ${(error as Error).message}; write "Name", ` +
        '"Name:version" or "Name:latest"',
    );
  }
  return { name, version: version === LATEST ? undefined : version };
}

/** Formats `name:version`. */
export function formatBundleRef(name: string, version: string): string {
  return `${name}:${version}`;
}
