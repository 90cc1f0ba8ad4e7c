/**
 * What a bundle's service code may do beyond reading its own bundle directory: the `env.permissions` field
 * of bento.yaml, declared in the service definition (`defineService({ env: { permissions } })`), checked at
 * pack time and again whenever a bundle is read, shown by `obento get` and `/metadata`, and narrowed (never
 * widened) by `--bundle-permissions` on `serve` and `run`. The sandbox that enforces it is
 * src/runtime/sandbox.ts; docs/bundling.md ("Permissions") and docs/serving.md ("Sandbox") describe both.
 *
 * @module
 */
import { type ErrorCode, ObentoError } from "../errors.ts";
import type { ServicePermissions } from "../sdk/service.ts";

/** The kinds of access a bundle can ask for. `run`, `ffi` and `sys` are never given to bundle code. */
export type PermissionKind = "read" | "write" | "net" | "env";

/** Every {@link PermissionKind}, in the order they are shown. */
export const PERMISSION_KINDS: readonly PermissionKind[] = ["read", "write", "net", "env"];

/**
 * Permissions a bundle declares, by kind: `true` for all of that kind (any path, host or variable), or a
 * list. `read`/`write`: paths; a relative path is inside the bundle, an absolute one is taken as it is.
 * `net`: `host` or `host:port`. `env`: variable names. An absent kind is denied (reading the bundle's own
 * directory is always allowed).
 */
export type BundlePermissions = ServicePermissions;

/** Why a kind is never granted to bundle code, for the error that names it. */
const NEVER: Record<string, string> = {
  run: "running programs",
  ffi: "native libraries (FFI)",
  sys: "system information",
  import: "importing code at run time",
};

/**
 * Checks a declared permission set (as written in bento.yaml or a service definition) and returns it in
 * canonical form: known kinds only, each `true` or a list of non-empty strings without duplicates. The old
 * form, a list of kind names (`["net"]`), means all of each kind named; `[]` means none.
 *
 * @param value the declared value
 * @param where names the declaration in errors, e.g. `bento.yaml env.permissions`
 * @param code the error code (BAD_BUNDLE for a bundle read, BAD_SERVICE at pack time)
 * @returns the canonical permissions (`{}` for the default)
 * @throws {ObentoError} BAD_BUNDLE naming the bad key or value
 *
 * @example
 * ```ts
 * import { parsePermissions } from "./permissions.ts";
 * console.log(parsePermissions({ net: ["api.example.com:443"], read: ["data"] }, "bento.yaml"));
 * // { read: ["data"], net: ["api.example.com:443"] }
 * ```
 */
export function parsePermissions(
  value: unknown,
  where: string,
  code: ErrorCode = "BAD_BUNDLE",
): BundlePermissions {
  const fail = (what: string): never => {
    throw new ObentoError(code, `${where}: ${what}`);
  };
  if (value === undefined || value === null) return {};
  if (Array.isArray(value)) {
    const out: Record<string, true> = {};
    for (const kind of value) out[checkKind(kind, where, code)] = true;
    return canonical(out);
  }
  if (typeof value !== "object") {
    fail(
      `permissions must be a mapping like { net: ["api.example.com"], read: ["data"] }, got ${show(value)}`,
    );
  }
  const out: Record<string, true | string[]> = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    const kind = checkKind(key, where, code);
    if (entry === true) {
      out[kind] = true;
      continue;
    }
    if (entry === false || entry === null) continue;
    if (!Array.isArray(entry)) {
      fail(`permissions.${kind} must be true or a list of ${noun(kind)}s, got ${show(entry)}`);
    }
    const list: string[] = [];
    for (const item of entry as unknown[]) {
      if (typeof item !== "string" || item.trim() === "" || item !== item.trim()) {
        fail(`permissions.${kind} holds ${show(item)}: each ${noun(kind)} must be a non-empty string`);
      }
      checkValue(kind, item as string, where, code);
      if (!list.includes(item as string)) list.push(item as string);
    }
    if (list.length > 0) out[kind] = list;
  }
  return canonical(out);
}

function checkKind(kind: unknown, where: string, code: ErrorCode): PermissionKind {
  const found = PERMISSION_KINDS.find((k) => k === kind);
  if (found !== undefined) return found;
  const why = typeof kind === "string" ? NEVER[kind] : undefined;
  throw new ObentoError(
    code,
    why === undefined
      ? `${where}: unknown permission ${show(kind)}; a bundle may ask for ${PERMISSION_KINDS.join(", ")}`
      : `${where}: permission "${kind}" (${why}) is never given to bundle code; a bundle may ask for ` +
        PERMISSION_KINDS.join(", "),
  );
}

function checkValue(kind: PermissionKind, value: string, where: string, code: ErrorCode): void {
  const fail = (what: string): never => {
    throw new ObentoError(code, `${where}: permissions.${kind} ${JSON.stringify(value)} ${what}`);
  };
  if (kind === "read" || kind === "write") {
    const absolute = value.startsWith("/") || /^[A-Za-z]:[\\/]/.test(value);
    if (!absolute && value.split(/[\\/]/).includes("..")) {
      fail("leaves the bundle; give a path inside it, or an absolute path");
    }
  } else if (kind === "net") {
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+)(:\d{1,5})?$/.test(value)) {
      fail('is not a host or host:port (e.g. "api.example.com" or "10.0.0.5:8080")');
    }
  } else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    fail("is not an environment variable name");
  }
}

function canonical(value: Record<string, true | string[]>): BundlePermissions {
  const out: Record<string, true | string[]> = {};
  for (const kind of PERMISSION_KINDS) if (value[kind] !== undefined) out[kind] = value[kind];
  return out as BundlePermissions;
}

function noun(kind: PermissionKind): string {
  return kind === "net" ? "host" : kind === "env" ? "variable name" : "path";
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

/**
 * Narrows a bundle's declared permissions to what `spec` (`--bundle-permissions`) allows: `none` (nothing
 * beyond reading the bundle), or comma-separated `kind` (all the bundle declares of that kind) and
 * `kind=value` (one declared value) entries. Kinds not named are dropped. A kind or value the bundle did not
 * declare is refused: the flag can only take permissions away.
 *
 * @param declared the bundle's permissions
 * @param spec the flag's value
 * @param flag the flag's name, for errors
 * @returns the permissions to grant
 * @throws {ObentoError} BAD_ARGUMENT naming an entry the bundle does not declare, or a malformed one
 *
 * @example
 * ```ts
 * import { narrowPermissions } from "./permissions.ts";
 * const declared = { net: ["a.example", "b.example"], env: ["TOKEN"] };
 * console.log(narrowPermissions(declared, "net=a.example")); // { net: ["a.example"] }
 * ```
 */
export function narrowPermissions(
  declared: BundlePermissions,
  spec: string,
  flag = "--bundle-permissions",
): BundlePermissions {
  const trimmed = spec.trim();
  if (trimmed === "none") return {};
  const out: Record<string, true | string[]> = {};
  for (const entry of trimmed.split(",").map((s) => s.trim())) {
    if (entry === "") {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${flag} "${spec}" has an empty entry; give none or kind[=value],...`,
      );
    }
    const at = entry.indexOf("=");
    const rawKind = at < 0 ? entry : entry.slice(0, at);
    const kind = PERMISSION_KINDS.find((k) => k === rawKind);
    if (kind === undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${flag}: unknown permission "${rawKind}"; give none, or entries of ${PERMISSION_KINDS.join(", ")}`,
      );
    }
    const has = declared[kind];
    if (has === undefined) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${flag} asks for ${kind}, which the bundle does not declare (it declares: ${
          describePermissions(declared) || "nothing beyond reading itself"
        }); the flag can only narrow what the bundle asks for`,
      );
    }
    if (at < 0) {
      out[kind] = has === true ? true : [...has];
      continue;
    }
    const value = entry.slice(at + 1);
    if (has !== true && !has.includes(value)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `${flag} asks for ${kind}=${value}, which the bundle does not declare (its ${kind}: ${
          has.join(", ")
        }); the flag can only narrow what the bundle asks for`,
      );
    }
    const list = out[kind];
    if (list === true) continue;
    out[kind] = [...(list ?? []), ...(list?.includes(value) ? [] : [value])];
  }
  return canonical(out);
}

/**
 * One line for logs and listings: each granted kind with its values (`all` for `true`); `""` when nothing
 * beyond reading the bundle is granted.
 *
 * @example
 * ```ts
 * import { describePermissions } from "./permissions.ts";
 * console.log(describePermissions({ net: ["api.example.com"], env: true })); // net api.example.com; env all
 * ```
 */
export function describePermissions(permissions: BundlePermissions): string {
  return PERMISSION_KINDS.filter((k) => permissions[k] !== undefined).map((kind) => {
    const value = permissions[kind]!;
    return `${kind} ${value === true ? "all" : value.join(", ")}`;
  }).join("; ");
}
