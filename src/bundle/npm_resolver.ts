/**
 * Resolves npm packages for the bundler: finds a package in a `node_modules/` folder above the importer or
 * in Deno's npm cache (the highest version satisfying the range), and resolves a subpath through its
 * package.json `exports`/`imports`, `module` and `main` as Node does.
 *
 * @module
 */
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import type { OnResolveArgs, OnResolveResult } from "esbuild-wasm/esm/browser.js";
import { ObentoError } from "../errors.ts";
import { isFile } from "./_fs.ts";
import { compareVersions, parseRange, parseVersion, satisfies, type Version } from "./npm_semver.ts";

/** Packs an npm package's identity with its folder on disk. */
export interface PackageRef {
  /** Package name, e.g. `yaml` or `@scope/name`. */
  name: string;
  /** Version from its package.json. */
  version: string;
  /** Real folder of the package. */
  root: string;
}

/** What a module in the `npm` namespace carries between onResolve and onLoad. */
export interface NpmModuleData {
  /** Real path of the module's file. */
  file: string;
  /** The package the file belongs to. */
  pkg: PackageRef;
}

/** What npm resolution needs to know about the build. */
export interface NpmResolveContext {
  /** Absolute path of the service entry (its name goes into the `deno cache` hint). */
  entry: string;
  /** Deno's cache folder, whose `npm/<registry host>/<name>/<version>/` holds npm packages. */
  denoDir: string;
}

/**
 * Deno's cache folder as `deno info` reports it: `$DENO_DIR`, else `$XDG_CACHE_HOME/deno` or
 * `~/.cache/deno` (Linux and others), `~/Library/Caches/deno` (macOS), `%LOCALAPPDATA%\deno` (Windows).
 *
 * @param env Reads an environment variable (e.g. `(name) => Deno.env.get(name)`).
 * @param os The platform, as `Deno.build.os`.
 * @returns The folder.
 *
 * @example
 * ```ts
 * import { defaultDenoDir } from "./npm_resolver.ts";
 * console.log(defaultDenoDir((name) => ({ HOME: "/home/ada" })[name], "linux")); // /home/ada/.cache/deno
 * ```
 */
export function defaultDenoDir(env: (name: string) => string | undefined, os: typeof Deno.build.os): string {
  const explicit = env("DENO_DIR");
  if (explicit) return explicit;
  const home = env("HOME") ?? env("USERPROFILE") ?? ".";
  if (os === "windows") return join(env("LOCALAPPDATA") ?? join(home, "AppData", "Local"), "deno");
  if (os === "darwin") return join(home, "Library", "Caches", "deno");
  return join(env("XDG_CACHE_HOME") || join(home, ".cache"), "deno");
}

/**
 * Resolves an `npm:name@range/subpath` specifier to a file of the highest satisfying version found in a
 * `node_modules/` folder above the importer or in Deno's npm cache.
 *
 * @param ctx The entry and Deno's cache folder.
 * @param specifier The `npm:` specifier (after the import map).
 * @param args esbuild's resolve arguments: `resolveDir` and `kind` (which selects the export conditions).
 * @returns A module in the `npm` namespace, its {@link NpmModuleData} in `pluginData`.
 * @throws {ObentoError} `BAD_SERVICE` when the specifier or range cannot be read, the package is not
 * cached, or the subpath is not exported.
 *
 * @example
 * ```ts
 * import type { OnResolveArgs } from "esbuild-wasm/esm/browser.js";
 * import { defaultDenoDir, resolveNpmSpecifier } from "./npm_resolver.ts";
 * const ctx = { entry: "/srv/svc/service.ts", denoDir: defaultDenoDir((name) => Deno.env.get(name), Deno.build.os) };
 * // What esbuild's onResolve hook passes for `import YAML from "npm:yaml@^2"` in service.ts.
 * const args: OnResolveArgs = {
 *   path: "npm:yaml@^2",
 *   importer: "/srv/svc/service.ts",
 *   namespace: "file",
 *   resolveDir: "/srv/svc",
 *   kind: "import-statement",
 *   pluginData: undefined,
 *   with: {},
 * };
 * const result = await resolveNpmSpecifier(ctx, "npm:yaml@^2", args);
 * console.log(result.path); // "yaml@2.9.1/dist/index.js"
 * ```
 */
export async function resolveNpmSpecifier(
  ctx: NpmResolveContext,
  specifier: string,
  args: OnResolveArgs,
): Promise<OnResolveResult> {
  const match = /^npm:\/?(@[^/@]+\/[^/@]+|[^/@]+)(?:@([^/]*))?(\/.*)?$/.exec(specifier);
  if (!match) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} is not an npm specifier; write npm:name@version/subpath`,
    );
  }
  const [, name, range = "*", subpath = ""] = match;
  const pkg = await findPackage(ctx, name, range, args.resolveDir);
  if (!pkg) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} is not in the local npm cache; run \`deno cache ${
        basename(ctx.entry)
      }\` once, then pack again`,
    );
  }
  return await resolveInPackage(pkg, "." + subpath, args.kind);
}

/**
 * Resolves an import made by a file inside an npm package: a `#` import through the package's `imports`, a
 * relative path inside the package, the package itself, or a dependency at the range its package.json
 * declares.
 *
 * @param ctx The entry and Deno's cache folder.
 * @param args esbuild's resolve arguments for the import.
 * @param from The importing file and its package.
 * @returns A module in the `npm` namespace, its {@link NpmModuleData} in `pluginData`.
 * @throws {ObentoError} `BAD_SERVICE` when the target is not defined, not found or not cached.
 *
 * @example
 * ```ts
 * import { dirname } from "node:path";
 * import type { OnResolveArgs } from "esbuild-wasm/esm/browser.js";
 * import { defaultDenoDir, type NpmModuleData, resolveFromPackage, resolveNpmSpecifier } from "./npm_resolver.ts";
 * const ctx = { entry: "/srv/svc/service.ts", denoDir: defaultDenoDir((name) => Deno.env.get(name), Deno.build.os) };
 * const base = { importer: "/srv/svc/service.ts", namespace: "file", resolveDir: "/srv/svc", with: {} };
 * const yaml = await resolveNpmSpecifier(ctx, "npm:yaml@^2", { ...base, path: "npm:yaml@^2", kind: "import-statement", pluginData: undefined });
 * // An import inside the package: esbuild hands back the importer's NpmModuleData as `pluginData`.
 * const from = yaml.pluginData as NpmModuleData;
 * const args: OnResolveArgs = {
 *   ...base,
 *   path: "./compose/composer.js",
 *   importer: from.file,
 *   resolveDir: dirname(from.file),
 *   namespace: "npm",
 *   kind: "require-call",
 *   pluginData: from,
 * };
 * const result = await resolveFromPackage(ctx, args, from);
 * console.log(result.path); // "yaml@2.9.1/dist/compose/composer.js"
 * ```
 */
export async function resolveFromPackage(
  ctx: NpmResolveContext,
  args: OnResolveArgs,
  from: NpmModuleData,
): Promise<OnResolveResult> {
  const specifier = args.path;
  if (specifier.startsWith("#")) {
    const manifest = await readPackageJson(from.pkg.root);
    const target = resolveExportsMap(manifest.imports, specifier, conditionsFor(args.kind));
    if (target === undefined) {
      throw new ObentoError(
        "BAD_SERVICE",
        `${from.pkg.name}@${from.pkg.version} does not define "${specifier}"`,
      );
    }
    if (!target.startsWith("./")) return await resolveFromPackage(ctx, { ...args, path: target }, from);
    return await npmFileResult(from.pkg, join(from.pkg.root, target));
  }
  if (specifier.startsWith(".") || isAbsolute(specifier)) {
    const file = await resolveNodeFile(resolve(args.resolveDir, specifier));
    if (!file) {
      throw new ObentoError(
        "BAD_SERVICE",
        `cannot find ${specifier} imported by ${from.file} in ${from.pkg.name}@${from.pkg.version}`,
      );
    }
    return await npmFileResult(from.pkg, file);
  }
  const match = /^(@[^/]+\/[^/]+|[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) throw new ObentoError("BAD_SERVICE", `cannot resolve "${specifier}" imported by ${from.file}`);
  const [, name, subpath = ""] = match;
  if (name === from.pkg.name) return await resolveInPackage(from.pkg, "." + subpath, args.kind);
  const manifest = await readPackageJson(from.pkg.root);
  const range = dependencyRange(manifest, name);
  const pkg = await findPackage(ctx, name, range ?? "*", args.resolveDir);
  if (!pkg) {
    throw new ObentoError(
      "BAD_SERVICE",
      `npm:${name}@${range ?? "*"} (a dependency of ${from.pkg.name}@${from.pkg.version}) is not in the ` +
        `local npm cache; run \`deno cache ${basename(ctx.entry)}\` once, then pack again`,
    );
  }
  return await resolveInPackage(pkg, "." + subpath, args.kind);
}

function dependencyRange(manifest: PackageJson, name: string): string | undefined {
  for (const field of ["dependencies", "peerDependencies", "optionalDependencies"] as const) {
    const deps = manifest[field];
    if (deps && typeof deps === "object" && typeof deps[name] === "string") return deps[name];
  }
  return undefined;
}

/** Looks for `name` in `node_modules/` folders above `fromDir`, then in Deno's npm cache. */
async function findPackage(
  ctx: NpmResolveContext,
  name: string,
  range: string,
  fromDir: string,
): Promise<PackageRef | undefined> {
  const wanted = parseRange(range);
  if (!wanted) {
    throw new ObentoError("BAD_SERVICE", `npm:${name}@${range}: obento cannot read the range "${range}"`);
  }
  for (let dir = fromDir;; dir = dirname(dir)) {
    const root = join(dir, "node_modules", name);
    const pkg = await packageAt(root);
    if (pkg) {
      const version = parseVersion(pkg.version);
      if (version && satisfies(version, wanted)) return pkg;
    }
    if (dirname(dir) === dir) break;
  }
  let best: { version: Version; root: string } | undefined;
  for (const registry of await listDir(join(ctx.denoDir, "npm"))) {
    const packageDir = join(ctx.denoDir, "npm", registry, name);
    for (const entry of await listDir(packageDir)) {
      const version = parseVersion(entry);
      if (!version || !satisfies(version, wanted)) continue;
      if (best && compareVersions(version, best.version) <= 0) continue;
      if (await isFile(join(packageDir, entry, "package.json"))) {
        best = { version, root: join(packageDir, entry) };
      }
    }
  }
  return best ? await packageAt(best.root) : undefined;
}

/**
 * Resolves a bare specifier (`name/subpath`) to a package in a `node_modules/` folder at or above
 * `fromDir`, whatever its version.
 *
 * @param fromDir The importer's folder.
 * @param specifier The bare specifier.
 * @returns A module in the `npm` namespace, or `undefined` when no `node_modules/` holds the package.
 * @throws {ObentoError} `BAD_SERVICE` when the package is found but does not have the subpath.
 *
 * @example
 * ```ts
 * import { findInNodeModules } from "./npm_resolver.ts";
 * console.log(await findInNodeModules("/nowhere", "left-pad")); // undefined
 * ```
 */
export async function findInNodeModules(
  fromDir: string,
  specifier: string,
): Promise<OnResolveResult | undefined> {
  const match = /^(@[^/]+\/[^/]+|[^/]+)(\/.*)?$/.exec(specifier);
  if (!match) return undefined;
  for (let dir = fromDir;; dir = dirname(dir)) {
    const pkg = await packageAt(join(dir, "node_modules", match[1]));
    if (pkg) return await resolveInPackage(pkg, "." + (match[2] ?? ""), "import-statement");
    if (dirname(dir) === dir) return undefined;
  }
}

async function packageAt(root: string): Promise<PackageRef | undefined> {
  try {
    const real = await Deno.realPath(root);
    const manifest = await readPackageJson(real);
    if (typeof manifest.name !== "string" || typeof manifest.version !== "string") return undefined;
    return { name: manifest.name, version: manifest.version, root: real };
  } catch {
    return undefined;
  }
}

async function resolveInPackage(pkg: PackageRef, subpath: string, kind: string): Promise<OnResolveResult> {
  const manifest = await readPackageJson(pkg.root);
  const conditions = conditionsFor(kind);
  let file: string | undefined;
  if (manifest.exports !== undefined && manifest.exports !== null) {
    const target = resolveExportsMap(manifest.exports, subpath, conditions);
    if (target === undefined) {
      throw new ObentoError(
        "BAD_SERVICE",
        `${pkg.name}@${pkg.version} does not export "${subpath}" (see the "exports" of its package.json)`,
      );
    }
    file = await resolveNodeFile(join(pkg.root, target));
  } else if (subpath === ".") {
    const fields = kind === "require-call" ? [manifest.main] : [manifest.module, manifest.main];
    for (const field of [...fields, "index.js"]) {
      if (typeof field !== "string") continue;
      file = await resolveNodeFile(join(pkg.root, field));
      if (file) break;
    }
  } else {
    file = await resolveNodeFile(join(pkg.root, subpath));
  }
  if (!file) {
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot find "${subpath}" in ${pkg.name}@${pkg.version} at ${pkg.root}`,
    );
  }
  return await npmFileResult(pkg, file);
}

function npmFileResult(pkg: PackageRef, file: string): OnResolveResult {
  // A host-independent path keeps the bundle byte-identical wherever the cache lives.
  const inside = relative(pkg.root, file).split("\\").join("/");
  const data: NpmModuleData = { file, pkg };
  return { path: `${pkg.name}@${pkg.version}/${inside}`, namespace: "npm", pluginData: data };
}

function conditionsFor(kind: string): readonly string[] {
  return kind === "require-call" || kind === "require-resolve"
    ? ["deno", "node", "require", "default"]
    : ["deno", "node", "import", "module", "default"];
}

/**
 * Node's file lookup: as written, with an extension added, or a folder's package.json/index.
 *
 * @param path an absolute path as an import names it
 * @returns the file, or undefined when none matches
 *
 * @example
 * ```ts
 * import { resolveNodeFile } from "./npm_resolver.ts";
 * console.log(await resolveNodeFile("/cache/jpeg-js/0.4.4/lib/encoder")); // /cache/jpeg-js/0.4.4/lib/encoder.js
 * ```
 */
export async function resolveNodeFile(path: string): Promise<string | undefined> {
  if (await isFile(path)) return path;
  for (const ext of [".js", ".mjs", ".cjs", ".json"]) {
    if (await isFile(path + ext)) return path + ext;
  }
  if (await isDirectory(path)) {
    try {
      const main = (await readPackageJson(path)).main;
      if (typeof main === "string") {
        const found = await resolveNodeFile(join(path, main));
        if (found) return found;
      }
    } catch {
      // no package.json: try index files
    }
    for (const index of ["index.js", "index.mjs", "index.cjs", "index.json"]) {
      if (await isFile(join(path, index))) return join(path, index);
    }
  }
  return undefined;
}

/**
 * Resolves a subpath against a package.json `exports` (or `imports`) value under `conditions`; undefined
 * when not exported.
 *
 * @example
 * ```ts
 * import { resolveExportsMap } from "./npm_resolver.ts";
 * const exports = { ".": { node: "./node.mjs", import: "./browser.js" } };
 * console.log(resolveExportsMap(exports, ".", ["browser", "import", "default"])); // ./browser.js
 * ```
 */
export function resolveExportsMap(
  exports: unknown,
  subpath: string,
  conditions: readonly string[],
): string | undefined {
  const isSubpathMap = exports !== null && typeof exports === "object" && !Array.isArray(exports) &&
    Object.keys(exports).some((key) => key.startsWith(".") || key.startsWith("#"));
  const map: Record<string, unknown> = isSubpathMap ? exports as Record<string, unknown> : { ".": exports };
  if (Object.hasOwn(map, subpath)) return resolveExportsTarget(map[subpath], conditions, "") ?? undefined;
  let best: { key: string; star: string } | undefined;
  for (const key of Object.keys(map)) {
    const star = key.indexOf("*");
    if (star < 0) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (subpath.startsWith(prefix) && subpath.endsWith(suffix) && subpath.length >= key.length - 1) {
      if (!best || prefix.length > best.key.indexOf("*")) {
        best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
      }
    }
  }
  return best ? resolveExportsTarget(map[best.key], conditions, best.star) ?? undefined : undefined;
}

function resolveExportsTarget(target: unknown, conditions: readonly string[], star: string): string | null {
  if (typeof target === "string") return target.replaceAll("*", star);
  if (Array.isArray(target)) {
    for (const item of target) {
      const found = resolveExportsTarget(item, conditions, star);
      if (found !== null) return found;
    }
    return null;
  }
  if (target !== null && typeof target === "object") {
    for (const [condition, value] of Object.entries(target)) {
      if (condition !== "default" && !conditions.includes(condition)) continue;
      const found = resolveExportsTarget(value, conditions, star);
      if (found !== null) return found;
    }
  }
  return null;
}

/** The fields of package.json that resolution reads. */
interface PackageJson {
  name?: unknown;
  version?: unknown;
  main?: unknown;
  module?: unknown;
  exports?: unknown;
  imports?: unknown;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

async function readPackageJson(root: string): Promise<PackageJson> {
  return JSON.parse(await Deno.readTextFile(join(root, "package.json"))) as PackageJson;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isDirectory;
  } catch {
    return false;
  }
}

async function listDir(path: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
  } catch {
    // missing folder: nothing cached there
  }
  return names;
}
