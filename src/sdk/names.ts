/**
 * Naming rules shared by services, APIs, artifacts, bundles and versions, so a name that packs is a name the
 * registry, the file system and URLs all accept.
 *
 * @module
 */
import { ObentoError } from "../errors.ts";

const NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,61}[A-Za-z0-9])?$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;
const VERSION = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,126}[A-Za-z0-9])?$/;

/** Routes an API name may not take, because the server uses them. */
export const RESERVED_API_NAMES: readonly string[] = [
  "metadata",
  "healthz",
  "readyz",
  "livez",
  "metrics",
  "docs",
  "v2",
  "static",
];

/** Checks a service or bundle name: 1–63 characters, letters, digits, `_`, `.`, `-`, alphanumeric at both ends. */
export function validateName(name: unknown, what = "name"): string {
  if (typeof name !== "string" || !NAME.test(name) || name.includes("..")) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `invalid ${what} ${
        JSON.stringify(name)
      }: use 1-63 letters, digits, '_', '.', '-', starting and ending ` +
        `with a letter or digit`,
    );
  }
  return name;
}

/** Checks a version: 1–128 characters, letters, digits, `_`, `.`, `-`, alphanumeric at both ends, no `..`. */
export function validateVersion(version: unknown): string {
  if (typeof version !== "string" || !VERSION.test(version) || version.includes("..")) {
    throw new ObentoError(
      "BAD_ARGUMENT",
      `invalid version ${JSON.stringify(version)}: use 1-128 letters, digits, '_', '.', '-', starting and ` +
        `ending with a letter or digit`,
    );
  }
  return version;
}

/** Checks an API or artifact name: an identifier (letters, digits, `_`, not starting with a digit), ≤ 63. */
export function validateIdentifier(name: unknown, what: string): string {
  if (typeof name !== "string" || !IDENT.test(name)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `invalid ${what} ${JSON.stringify(name)}: use letters, digits and '_' (not starting with a digit), ` +
        `at most 63 characters`,
    );
  }
  return name;
}
