/**
 * Bundles a service module at pack time: the user's `service.ts`, its relative imports and its npm
 * dependencies become ONE self-contained ESM file, while the obento SDK is left out and read at load time
 * from the host (see `src/runtime/module_loader.ts`). Runs esbuild's WebAssembly build in-process, so the
 * compiled obento binary needs neither the `deno` CLI nor a child process nor the network.
 *
 * Resolution rules (docs/bundling.md has the long form):
 * - the SDK: `obento`, `obento/…`, `@obento/obento`, `jsr:@obento/obento…`, and any import of a `mod.ts`
 *   whose folder holds `src/sdk/service.ts` → a virtual module reading {@link SDK_GLOBAL_KEY};
 * - bare specifiers go through the `imports` of the nearest `deno.json`/`deno.jsonc` above the entry;
 * - relative and absolute paths are taken as written (Deno needs the extension);
 * - `npm:name@range/sub` → the highest satisfying version in Deno's npm cache, or a `node_modules/` above;
 * - `node:` builtins stay external; `jsr:` and `http(s):` imports are refused with a way out.
 *
 * @module
 */
import { builtinModules } from "node:module";
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  Loader,
  Message,
  OnLoadArgs,
  OnLoadResult,
  OnResolveArgs,
  OnResolveResult,
  Plugin,
} from "esbuild-wasm/esm/browser.js";
import { messageOf, ObentoError } from "../errors.ts";

/**
 * The `Symbol.for` key under which the host publishes the SDK namespace before importing a bundled
 * service. Bumped (`v2`) only if the SDK's shape changes incompatibly.
 */
export const SDK_GLOBAL_KEY = "obento.sdk.v1";

/** Options for {@link bundleServiceModule}. */
export interface BundleServiceOptions {
  /**
   * The names `mod.ts` exports at runtime (values, not types), e.g. `Object.keys(await import("mod.ts"))`;
   * the bundle re-exports exactly these (`default` is skipped: the default export is the whole namespace).
   */
  sdkExports: readonly string[];
  /**
   * Deno's cache folder, whose `npm/<registry host>/<name>/<version>/` holds npm packages.
   * Default: {@link defaultDenoDir} of the process environment (`$DENO_DIR`, else the platform default).
   */
  denoDir?: string;
  /**
   * Where `esbuild.wasm` is. Default: resolved from the `esbuild-wasm` npm package next to this module
   * (works under `deno run` and inside a `deno compile`d binary, which embeds the whole package).
   * Only the first bundling of a process reads it.
   */
  wasmUrl?: string | URL;
}

/** A bundled service module. */
export interface BundledServiceModule {
  /** The self-contained ESM code (`service.js` in a bundle). */
  code: string;
  /** Absolute paths of the local source files that went in, sorted (npm package files and the SDK excluded). */
  files: string[];
}

type Esbuild = typeof import("esbuild-wasm/esm/browser.js");

/** Packs an npm package's identity with its folder on disk. */
interface PackageRef {
  /** Package name, e.g. `yaml` or `@scope/name`. */
  name: string;
  /** Version from its package.json. */
  version: string;
  /** Real folder of the package. */
  root: string;
}

/** What a module in the `npm` namespace carries between onResolve and onLoad. */
interface NpmModuleData {
  file: string;
  pkg: PackageRef;
}

/** Per-build state of the resolver plugin. */
interface ResolveContext {
  entry: string;
  sdkExports: readonly string[];
  denoDir: string;
  importMap: ImportMap | undefined;
  files: Set<string>;
  needsRequireShim: boolean;
}

/** The `imports` of a deno.json, with values made absolute where they are paths. */
interface ImportMap {
  /** The config file it came from (for messages). */
  file: string;
  imports: Map<string, string>;
}

const LOADERS: Readonly<Record<string, Loader>> = {
  ".ts": "ts",
  ".mts": "ts",
  ".cts": "ts",
  ".tsx": "tsx",
  ".js": "js",
  ".mjs": "js",
  ".cjs": "js",
  ".jsx": "jsx",
  ".json": "json",
  "": "js",
};
const NODE_BUILTINS: ReadonlySet<string> = new Set(builtinModules);
const SDK_NAMESPACE = "obento-sdk";
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/**
 * esbuild keeps process-wide state and can be initialised once per process, so the initialised module is
 * kept here (lazily: loading and serving bundles never import esbuild).
 */
let esbuildReady: Promise<Esbuild> | undefined;

/**
 * Bundles a service entry file into one self-contained ESM module, the SDK left for the host to supply.
 *
 * @param entry Path of the service module (`service.ts`).
 * @param options The SDK's export names and where to find npm packages.
 * @returns The code and the local files that went in.
 * @throws {ObentoError} `NOT_FOUND` when `entry` does not exist; `BAD_SERVICE` for a syntax error, a
 * missing import, an npm package not in the cache, or a `jsr:`/`http(s):` import — naming file:line:column.
 *
 * @example
 * ```ts
 * import { bundleServiceModule } from "./module_bundler.ts";
 * const { code, files } = await bundleServiceModule("examples/echo/service.ts", {
 *   sdkExports: ["defineService", "JsonInput"],
 * });
 * await Deno.writeTextFile("bundle/service.js", code);
 * console.log(files); // ["/…/examples/echo/service.ts"]
 * ```
 */
export async function bundleServiceModule(
  entry: string,
  options: BundleServiceOptions,
): Promise<BundledServiceModule> {
  const sdkExports = options.sdkExports.filter((name) => name !== "default"); // the namespace is the default
  for (const name of sdkExports) {
    if (!IDENTIFIER.test(name)) {
      throw new ObentoError(
        "BAD_ARGUMENT",
        `SDK export name "${name}" is not an identifier obento can re-export`,
      );
    }
  }
  const entryPath = resolve(entry);
  if (!(await isFile(entryPath))) {
    throw new ObentoError("NOT_FOUND", `service file ${entryPath} does not exist; check the path`);
  }
  const esbuild = await loadEsbuild(options.wasmUrl ?? import.meta.resolve("esbuild-wasm/esbuild.wasm"));
  const ctx: ResolveContext = {
    entry: entryPath,
    sdkExports,
    denoDir: options.denoDir ?? defaultDenoDir(envGetter(), Deno.build.os),
    importMap: await findImportMap(dirname(entryPath)),
    files: new Set(),
    needsRequireShim: false,
  };
  const workDir = dirname(entryPath);
  let code: string;
  try {
    const result = await esbuild.build({
      entryPoints: [entryPath],
      absWorkingDir: workDir,
      bundle: true,
      write: false,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      charset: "utf8",
      minify: false,
      logLevel: "silent",
      plugins: [resolverPlugin(ctx)],
    });
    code = result.outputFiles[0].text;
  } catch (error) {
    throw toObentoError(error, workDir);
  }
  if (ctx.needsRequireShim) {
    code = `import { createRequire as __obentoCreateRequire } from "node:module";\n` +
      `const require = __obentoCreateRequire("file:///obento/service.js");\n` + code;
  }
  return { code, files: [...ctx.files].sort() };
}

/**
 * Deno's cache folder as `deno info` reports it: `$DENO_DIR`, else `$XDG_CACHE_HOME/deno` or
 * `~/.cache/deno` (Linux and others), `~/Library/Caches/deno` (macOS), `%LOCALAPPDATA%\deno` (Windows).
 *
 * @param env Reads an environment variable (e.g. `(name) => Deno.env.get(name)`).
 * @param os The platform, as `Deno.build.os`.
 *
 * @example
 * ```ts
 * import { defaultDenoDir } from "./module_bundler.ts";
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

function envGetter(): (name: string) => string | undefined {
  return (name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no --allow-env: fall back to the platform default
    }
  };
}

function loadEsbuild(wasmUrl: string | URL): Promise<Esbuild> {
  esbuildReady ??= (async () => {
    // The browser build runs in-process (`worker: false`); the node build would spawn a child process.
    const esbuild = await import("esbuild-wasm/esm/browser.js");
    const wasmPath = typeof wasmUrl === "string" && wasmUrl.startsWith("file:") ? new URL(wasmUrl) : wasmUrl;
    const wasmModule = await WebAssembly.compile(await Deno.readFile(wasmPath));
    await esbuild.initialize({ wasmModule, worker: false });
    return esbuild;
  })();
  esbuildReady.catch(() => (esbuildReady = undefined)); // let a later call retry after a failure
  return esbuildReady;
}

// ---------------------------------------------------------------------------------------------------------
// The esbuild plugin

function resolverPlugin(ctx: ResolveContext): Plugin {
  return {
    name: "obento",
    setup(build) {
      build.onResolve({ filter: /.*/ }, (args) => guard(() => resolveImport(ctx, args)));
      build.onLoad({ filter: /.*/, namespace: SDK_NAMESPACE }, () => ({
        contents: sdkModuleSource(ctx.sdkExports),
        loader: "js",
      }));
      build.onLoad({ filter: /.*/, namespace: "file" }, (args) => guard(() => loadLocalFile(ctx, args)));
      build.onLoad({ filter: /.*/, namespace: "npm" }, (args) => guard(() => loadNpmFile(args)));
    },
  };
}

/** Turns a thrown error into an esbuild message, so esbuild adds the import's location to it. */
async function guard<T extends OnResolveResult | OnLoadResult>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    return { errors: [{ text: messageOf(error), detail: error }] } as T;
  }
}

function sdkModuleSource(names: readonly string[]): string {
  const lines = [
    `const sdk = globalThis[Symbol.for(${JSON.stringify(SDK_GLOBAL_KEY)})];`,
    `if (!sdk) throw new Error("this bundle must be loaded by obento");`,
  ];
  for (const name of names) lines.push(`export const ${name} = sdk.${name};`);
  lines.push("export default sdk;");
  return lines.join("\n") + "\n";
}

const SDK_RESULT: OnResolveResult = { path: "obento", namespace: SDK_NAMESPACE };

async function resolveImport(ctx: ResolveContext, args: OnResolveArgs): Promise<OnResolveResult> {
  if (args.kind === "entry-point") return { path: ctx.entry, namespace: "file" };
  const builtin = nodeBuiltin(args.path);
  if (builtin) {
    if (args.kind === "require-call") ctx.needsRequireShim = true;
    return { path: builtin, external: true };
  }
  if (args.namespace === "npm") return await resolveFromPackage(ctx, args, args.pluginData as NpmModuleData);
  return await resolveFromLocal(ctx, args);
}

function nodeBuiltin(specifier: string): string | undefined {
  if (specifier.startsWith("node:")) return specifier;
  const name = specifier.split("/")[0];
  return NODE_BUILTINS.has(name) && !name.startsWith("_") ? `node:${specifier}` : undefined;
}

function isSdkSpecifier(specifier: string): boolean {
  return specifier === "obento" || specifier.startsWith("obento/") || specifier === "@obento/obento" ||
    /^jsr:\/?@obento\/obento(@[^/]*)?(\/.*)?$/.test(specifier);
}

async function resolveFromLocal(ctx: ResolveContext, args: OnResolveArgs): Promise<OnResolveResult> {
  const importer = args.importer;
  let specifier = args.path;
  if (isSdkSpecifier(specifier)) return SDK_RESULT;
  if (isBare(specifier) && ctx.importMap) {
    const mapped = applyImportMap(ctx.importMap, specifier);
    if (mapped !== undefined) {
      if (isSdkSpecifier(mapped)) return SDK_RESULT;
      specifier = mapped;
    }
  }
  if (specifier.startsWith("file:")) specifier = fileURLToPath(specifier);
  if (specifier.startsWith("npm:")) return await resolveNpmSpecifier(ctx, specifier, args);
  if (/^jsr:/.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} cannot be bundled offline: obento inlines local files and npm packages only; ` +
        `use the package's npm build (e.g. npm:@jsr/scope__name via JSR's npm registry) or copy its files ` +
        `into your project and import them by relative path`,
    );
  }
  if (/^https?:/.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} cannot be bundled offline: obento inlines local files and npm packages only; ` +
        `download the module into your project and import it by relative path, or use an npm: package`,
    );
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(specifier) && !/^[a-z]:[\\/]/i.test(specifier)) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${specifier} uses a scheme obento cannot bundle; use a path or npm:`,
    );
  }
  if (isBare(specifier)) {
    const found = await findInNodeModules(args.resolveDir, specifier);
    if (found) return found;
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot resolve "${specifier}" imported by ${importer}: add it to the "imports" of your deno.json ` +
        `(e.g. "${specifier}": "npm:${specifier}@^1") or import it as npm:${specifier}`,
    );
  }
  const path = resolve(args.resolveDir, specifier);
  if (await isSdkModFile(path)) return SDK_RESULT;
  if (!(await isFile(path))) {
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot find ${args.path} imported by ${importer} (looked for ${path}); fix the path ` +
        `(Deno imports name the file with its extension, e.g. ./helper.ts)`,
    );
  }
  return { path, namespace: "file" };
}

async function isSdkModFile(path: string): Promise<boolean> {
  return basename(path) === "mod.ts" && await isFile(join(dirname(path), "src", "sdk", "service.ts"));
}

function isBare(specifier: string): boolean {
  return !specifier.startsWith(".") && !isAbsolute(specifier) && !/^[a-z][a-z0-9+.-]*:/i.test(specifier);
}

async function loadLocalFile(ctx: ResolveContext, args: OnLoadArgs): Promise<OnLoadResult> {
  ctx.files.add(args.path);
  return {
    contents: await Deno.readFile(args.path),
    loader: loaderFor(args.path),
    resolveDir: dirname(args.path),
  };
}

async function loadNpmFile(args: OnLoadArgs): Promise<OnLoadResult> {
  const data = args.pluginData as NpmModuleData;
  return {
    contents: await Deno.readFile(data.file),
    loader: loaderFor(data.file),
    resolveDir: dirname(data.file),
    pluginData: data,
  };
}

function loaderFor(path: string): Loader {
  const loader = LOADERS[extname(path).toLowerCase()];
  if (!loader) {
    throw new ObentoError(
      "BAD_SERVICE",
      `cannot bundle ${path}: obento bundles .ts, .tsx, .js, .mjs, .cjs, .jsx and .json files only`,
    );
  }
  return loader;
}

// ---------------------------------------------------------------------------------------------------------
// npm packages

async function resolveNpmSpecifier(
  ctx: ResolveContext,
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

async function resolveFromPackage(
  ctx: ResolveContext,
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
  ctx: ResolveContext,
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

async function findInNodeModules(fromDir: string, specifier: string): Promise<OnResolveResult | undefined> {
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

/** Node's file lookup: as written, with an extension added, or a folder's package.json/index. */
async function resolveNodeFile(path: string): Promise<string | undefined> {
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

/** Resolves a subpath against a package.json `exports` (or `imports`) value; undefined when not exported. */
function resolveExportsMap(
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

// ---------------------------------------------------------------------------------------------------------
// npm version ranges: exact, ^, ~, x/*, partial versions, comparators (>=, <…), hyphen ranges and ||.

/** major, minor, patch, prerelease ("" for a release). */
type Version = [number, number, number, string];
type Comparator = { op: ">=" | ">" | "<" | "<=" | "="; version: Version };

function parseVersion(text: string): Version | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3]), m[4] ?? ""] : undefined;
}

function compareVersions(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) {
    if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  }
  if (a[3] === b[3]) return 0;
  if (a[3] === "") return 1;
  if (b[3] === "") return -1;
  const pa = a[3].split(".");
  const pb = b[3].split(".");
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i] === undefined) return -1;
    if (pb[i] === undefined) return 1;
    const na = /^\d+$/.test(pa[i]) ? Number(pa[i]) : NaN;
    const nb = /^\d+$/.test(pb[i]) ? Number(pb[i]) : NaN;
    if (!Number.isNaN(na) && !Number.isNaN(nb)) {
      if (na !== nb) return na - nb;
    } else if (pa[i] !== pb[i]) return pa[i] < pb[i] ? -1 : 1;
  }
  return 0;
}

/** Parses a range into alternatives (`||`), each a list of comparators all of which must hold. */
function parseRange(range: string): Comparator[][] | undefined {
  const sets: Comparator[][] = [];
  for (const alternative of range.split("||")) {
    const normalized = alternative.trim().replace(/(>=|<=|>|<|=|\^|~)\s+/g, "$1");
    const tokens = normalized === "" ? [] : normalized.split(/\s+/);
    const set: Comparator[] = [];
    if (tokens.length === 3 && tokens[1] === "-") {
      const low = comparatorsOf(">=", tokens[0]);
      const high = comparatorsOf("<=", tokens[2]);
      if (!low || !high) return undefined;
      set.push(...low, ...high);
    } else {
      for (const token of tokens) {
        const m = /^(>=|<=|>|<|=|\^|~)?(.*)$/.exec(token);
        const comparators = m ? comparatorsOf(m[1] ?? "", m[2]) : undefined;
        if (!comparators) return undefined;
        set.push(...comparators);
      }
    }
    sets.push(set);
  }
  return sets;
}

function comparatorsOf(op: string, text: string): Comparator[] | undefined {
  const m = /^v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/
    .exec(text);
  if (!m) return undefined;
  const part = (s: string | undefined) => (s === undefined || /^[xX*]$/.test(s) ? undefined : Number(s));
  const major = part(m[1]);
  const minor = major === undefined ? undefined : part(m[2]);
  const patch = minor === undefined ? undefined : part(m[3]);
  const pre = patch === undefined ? "" : m[4] ?? "";
  if (major === undefined) return op === "<" || op === ">" ? [{ op: "<", version: [0, 0, 0, "0"] }] : [];
  const low: Version = [major, minor ?? 0, patch ?? 0, pre];
  const bump = (level: 0 | 1 | 2): Version =>
    level === 0 ? [major + 1, 0, 0, "0"] : level === 1 ? [major, (minor ?? 0) + 1, 0, "0"] : [
      major,
      minor ?? 0,
      (patch ?? 0) + 1,
      "0",
    ];
  const partialLevel: 0 | 1 | undefined = minor === undefined ? 0 : patch === undefined ? 1 : undefined;
  switch (op) {
    case "^": {
      const level = major > 0 || minor === undefined ? 0 : (minor > 0 || patch === undefined ? 1 : 2);
      return [{ op: ">=", version: low }, { op: "<", version: bump(level) }];
    }
    case "~":
      return [{ op: ">=", version: low }, { op: "<", version: bump(minor === undefined ? 0 : 1) }];
    case ">=":
      return [{ op: ">=", version: low }];
    case "<":
      return [{ op: "<", version: partialLevel === undefined ? low : [low[0], low[1], low[2], "0"] }];
    case ">":
      return [
        partialLevel === undefined ? { op: ">", version: low } : { op: ">=", version: bump(partialLevel) },
      ];
    case "<=":
      return [
        partialLevel === undefined ? { op: "<=", version: low } : { op: "<", version: bump(partialLevel) },
      ];
    default:
      return partialLevel === undefined
        ? [{ op: "=", version: low }]
        : [{ op: ">=", version: low }, { op: "<", version: bump(partialLevel) }];
  }
}

function satisfies(version: Version, range: Comparator[][]): boolean {
  return range.some((set) => {
    if (version[3] !== "") {
      // Prereleases match only a range that names a prerelease of the same major.minor.patch.
      const allowed = set.some((c) =>
        c.version[3] !== "" && c.version[3] !== "0" && c.version[0] === version[0] &&
        c.version[1] === version[1] && c.version[2] === version[2]
      );
      if (!allowed) return false;
    }
    return set.every((c) => {
      const cmp = compareVersions(version, c.version);
      return c.op === ">="
        ? cmp >= 0
        : c.op === ">"
        ? cmp > 0
        : c.op === "<"
        ? cmp < 0
        : c.op === "<="
        ? cmp <= 0
        : cmp === 0;
    });
  });
}

// ---------------------------------------------------------------------------------------------------------
// deno.json import maps

async function findImportMap(fromDir: string): Promise<ImportMap | undefined> {
  for (let dir = fromDir;; dir = dirname(dir)) {
    for (const name of ["deno.json", "deno.jsonc"]) {
      const file = join(dir, name);
      if (!(await isFile(file))) continue;
      const config = parseJsonc(await Deno.readTextFile(file), file);
      let imports = config.imports;
      let base = dir;
      if (imports === undefined && typeof config.importMap === "string") {
        const mapFile = resolve(dir, config.importMap);
        imports = parseJsonc(await Deno.readTextFile(mapFile), mapFile).imports;
        base = dirname(mapFile);
      }
      return { file, imports: importEntries(imports, base) };
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function importEntries(imports: unknown, base: string): Map<string, string> {
  const entries = new Map<string, string>();
  if (!imports || typeof imports !== "object") return entries;
  for (const [key, value] of Object.entries(imports)) {
    if (typeof value !== "string") continue;
    const target = value.startsWith("./") || value.startsWith("../") || value.startsWith("/")
      ? resolve(base, value) + (value.endsWith("/") ? "/" : "")
      : value;
    entries.set(key, target);
    // Deno maps "pkg/sub" through "pkg" when "pkg" is an npm: or jsr: specifier.
    if (!key.endsWith("/") && /^(npm|jsr):/.test(value) && !entries.has(key + "/")) {
      entries.set(key + "/", value.replace(/\/$/, "") + "/");
    }
  }
  return entries;
}

function applyImportMap(map: ImportMap, specifier: string): string | undefined {
  const exact = map.imports.get(specifier);
  if (exact !== undefined) return exact;
  let best: string | undefined;
  for (const key of map.imports.keys()) {
    if (key.endsWith("/") && specifier.startsWith(key) && (!best || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : map.imports.get(best) + specifier.slice(best.length);
}

function parseJsonc(text: string, file: string): Record<string, unknown> {
  // Drop comments and trailing commas outside strings.
  const stripped = text.replace(
    /("(?:[^"\\]|\\.)*")|\/\/[^\n]*|\/\*[\s\S]*?\*\/|,(\s*[}\]])/g,
    (_m, str: string | undefined, close: string | undefined) => str ?? close ?? "",
  );
  try {
    const value = JSON.parse(stripped);
    return value && typeof value === "object" ? value : {};
  } catch (error) {
    throw new ObentoError(
      "BAD_SERVICE",
      `${file} is not valid JSON(C): ${messageOf(error)}; fix it and pack again`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// errors and files

function toObentoError(error: unknown, workDir: string): ObentoError {
  const messages = (error as { errors?: Message[] }).errors;
  if (!Array.isArray(messages) || messages.length === 0) {
    return new ObentoError("INTERNAL", `esbuild failed: ${messageOf(error)}`, { cause: error });
  }
  const lines = messages.slice(0, 5).map((m) => `${locationOf(m, workDir)}${m.text}`);
  if (messages.length > 5) lines.push(`(and ${messages.length - 5} more errors)`);
  const first = messages[0].detail;
  const code = first instanceof ObentoError && messages.length === 1 ? first.code : "BAD_SERVICE";
  return new ObentoError(code, lines.join("\n"), { cause: error });
}

function locationOf(message: Message, workDir: string): string {
  const loc = message.location;
  if (!loc) return "";
  const file = loc.namespace === "file" || loc.namespace === "" ? resolve(workDir, loc.file) : loc.file;
  return `${file}:${loc.line}:${loc.column + 1}: `;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await Deno.stat(path)).isFile;
  } catch {
    return false;
  }
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
